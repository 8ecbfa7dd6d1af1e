/** The command line's argument handling, in process: help and usage errors never reach Temporal. */
import assert from 'node:assert/strict';
import { EXIT, type Io, main } from '../../../src/cli/main';

async function run(
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    isTTY: false,
  };
  // Nothing listens here: a command that got as far as connecting would fail with exit 4, not 2.
  const saved = process.env.TEMPORAL_ADDRESS;
  process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
  try {
    return {
      code: await main(argv, io),
      out: out.join('\n'),
      err: err.join('\n'),
    };
  } finally {
    if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = saved;
  }
}

describe('CLI usage', () => {
  it('--help lists every command with the exit codes (exit 0)', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await run(...argv);
      assert.equal(r.code, EXIT.ok, argv.join(' '));
      for (const c of [
        'start',
        'plan',
        'status',
        'approve',
        'reject',
        'cancel',
        'list',
        'audit',
      ])
        assert.match(r.out, new RegExp(`^  ${c} `, 'm'));
      assert.match(r.out, /exit codes: 0 ok, 1 run failed/);
    }
  });

  it('<command> --help describes the command and its options (exit 0)', async () => {
    const r = await run('approve', '--help');
    assert.equal(r.code, EXIT.ok);
    assert.match(
      r.out,
      /Usage: etcd-scaleout approve \[options\] <WORKFLOW_ID>/,
    );
    assert.match(r.out, /--by <NAME>/);
    assert.match((await run('help', 'list')).out, /--cluster <NAME>/);
  });

  it('exits 2 and says why for usage errors', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /Usage: etcd-scaleout/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['status'], /missing required argument 'WORKFLOW_ID'/],
      [['status', 'a', 'b'], /too many arguments/],
      [['start', 'f.json', '--nope'], /unknown option '--nope'/],
      [['approve', 'x'], /--by NAME is required/],
      [['approve', 'x', '--by', ' '], /--by NAME is required/],
      [['reject', 'x', '--by', 'a'.repeat(129)], /by: is too long/],
      [['list', '--cluster', "x' OR 1=1"], /--cluster must be a cluster name/],
      [['list', '--limit', '0'], /--limit must be 1-1000/],
      [['list', '--status', 'Sleeping'], /--status must be one of Running/],
      [
        ['audit', 'x', '--json', '--markdown'],
        /give --json or --markdown, not both/,
      ],
      [
        ['status', 'x', '--interval', '0.01'],
        /--interval must be a number of seconds >= 0.1/,
      ],
    ];
    for (const [argv, why] of cases) {
      const r = await run(...argv);
      assert.equal(r.code, EXIT.usage, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, why, argv.join(' '));
    }
  });

  it('reads and checks the request file before connecting', async () => {
    const r = await run('start', '/nonexistent/request.json');
    assert.equal(r.code, EXIT.usage);
    assert.match(
      r.err,
      /^etcd-scaleout start: cannot read request file \/nonexistent\/request\.json: ENOENT/,
    );
  });
});
