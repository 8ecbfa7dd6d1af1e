/** `etcd-scaleout profile ...` in process: from a Kubespray inventory to a checked profile file. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, type Io, main } from '../../../src/cli/main';
import { FIXTURES } from '../../support/paths';

const INVENTORY = join(FIXTURES, 'kubespray', 'hosts.yaml');

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    isTTY: false,
  };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('CLI profile', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-cli-profile-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('from-kubespray writes a profile that check accepts, and never overwrites one', async () => {
    const file = join(dir, 'prod.json');
    const made = await run(
      'profile',
      'from-kubespray',
      INVENTORY,
      '--cluster',
      'prod',
      '--out',
      file,
    );
    assert.equal(made.code, EXIT.ok, made.err);
    assert.match(
      made.err,
      /note: the worker reads \/etc\/ssl\/etcd\/ssl\/ca\.pem/,
    );
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(profile.cluster.name, 'prod');
    assert.equal(profile.cluster.endpoints.length, 3);

    const again = await run(
      'profile',
      'from-kubespray',
      INVENTORY,
      '--cluster',
      'prod',
      '--out',
      file,
    );
    assert.equal(again.code, EXIT.usage);
    assert.match(again.err, /cannot write .*prod\.json: EEXIST/);

    const checked = await run('profile', 'check', file);
    assert.equal(checked.code, EXIT.ok, checked.err);
    assert.match(checked.out, /cluster prod, 3 endpoint\(s\), ok/);
  });

  it("from-kubespray reads Kubespray's sample inventory.ini, records its form, and names a malformed line", async () => {
    const ini = await run(
      'profile',
      'from-kubespray',
      join(FIXTURES, 'kubespray', 'inventory.ini'),
      '--cluster',
      'prod',
    );
    assert.equal(ini.code, EXIT.ok, ini.err);
    const profile = JSON.parse(ini.out);
    assert.deepEqual(profile.cluster.endpoints, [
      'https://10.3.0.1:2379',
      'https://10.3.0.2:2379',
      'https://10.3.0.3:2379',
    ]);
    assert.deepEqual(profile.inventory, { format: 'ini' });

    const bad = join(dir, 'hosts');
    writeFileSync(bad, '[etcd]\nnode1 ip=10.0.0.1\nnode2 ip\n');
    const malformed = await run(
      'profile',
      'from-kubespray',
      bad,
      '--cluster',
      'prod',
    );
    assert.equal(malformed.code, EXIT.usage);
    assert.match(
      malformed.err,
      /inventory .*hosts is not a valid INI inventory: .*hosts:3: expected key=value host variable after node2, got "ip"/,
    );
  });

  it('names what is wrong: a bad inventory, a cluster name, a profile breaking the rules', async () => {
    const bad = join(dir, 'hosts.yaml');
    writeFileSync(bad, 'all:\n  hosts:\n    node1: {ip: 10.0.0.1}\n');
    const noEtcd = await run(
      'profile',
      'from-kubespray',
      bad,
      '--cluster',
      'prod',
    );
    assert.equal(noEtcd.code, EXIT.usage);
    assert.match(noEtcd.err, /has no hosts in the "etcd" group/);

    const name = await run(
      'profile',
      'from-kubespray',
      INVENTORY,
      '--cluster',
      'Prod EU',
    );
    assert.equal(name.code, EXIT.usage);
    assert.match(name.err, /--cluster "Prod EU" is not a cluster name/);

    const file = join(dir, 'lab.json');
    writeFileSync(
      file,
      JSON.stringify({
        cluster: { name: 'lab', endpoints: ['https://10.0.0.1:2379'] },
        ssh: { user: 'root', privateKeyFile: '/k', knownHostsFile: '/h' },
        node: { service: 'poweroff.target' },
      }),
    );
    const checked = await run('profile', 'check', file);
    assert.equal(checked.code, EXIT.usage);
    assert.match(
      checked.err,
      /node\.service: must be a systemd service named like etcd/,
    );
  });
});
