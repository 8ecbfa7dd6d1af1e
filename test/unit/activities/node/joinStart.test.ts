/**
 * The joining member's start command (joinStart.ts), run by /bin/sh against a folder standing for
 * /run/systemd/system and a systemctl stand-in on PATH that records what it was asked and whether the
 * drop-in was there when the start ran.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  joinDropInRemoval,
  joinStartCommand,
} from '../../../../src/activities/node/joinStart';
import { dropInDir, JOIN_DROP_IN } from '../../../../src/domain/run/joinDropIn';
import { testTempDir } from '../../../support/tempDirs';

/** Records each call; `start` logs the drop-in's TimeoutStartSec (or "none"), then sleeps and exits as told. */
const SYSTEMCTL = `#!/bin/sh
echo "$*" >> "$STUB_LOG"
case "$1" in
  is-active) echo "\${STUB_STATE:-inactive}"; [ "\${STUB_STATE:-}" = active ] ;;
  start) f="$STUB_DROPIN"; if [ -e "$f" ]; then echo "timeout $(sed -n 's/^TimeoutStartSec=//p' "$f")" >> "$STUB_LOG"; else echo "timeout none" >> "$STUB_LOG"; fi
    sleep "\${STUB_START_SLEEP:-0}"; exit "\${STUB_START_EXIT:-0}" ;;
esac
`;

const ACTIVE = 'already-active-marker';

function setUp(service = 'etcd') {
  const dir = testTempDir('join-start-');
  const root = join(dir, 'run-systemd-system');
  writeFileSync(join(dir, 'systemctl'), SYSTEMCTL, { mode: 0o755 });
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const file = join(dropInDir(service, root), JOIN_DROP_IN);
  const run = (
    command: string,
    env: Record<string, string> = {},
    whileRunning?: (pid: number) => void,
  ) =>
    new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn('/bin/sh', ['-c', command], {
        env: {
          ...process.env,
          PATH: `${dir}:${process.env.PATH}`,
          STUB_LOG: log,
          STUB_DROPIN: file,
          ...env,
        },
      });
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      if (whileRunning && child.pid) whileRunning(child.pid);
      child.on('close', (code) => resolve({ code, stdout }));
    });
  const calls = () => readFileSync(log, 'utf8').trim().split('\n');
  return { root, file, run, calls };
}

describe('a joining member start with its start timeout raised', () => {
  it('writes the drop-in, reloads, starts with it, then removes it and reloads again', async () => {
    const t = setUp();
    const r = await t.run(joinStartCommand('etcd', 600, ACTIVE, t.root));
    assert.equal(r.code, 0);
    assert.deepEqual(t.calls(), [
      'is-active -- etcd',
      'daemon-reload',
      'start -- etcd',
      'timeout 600',
      'daemon-reload',
    ]);
    assert.equal(existsSync(t.file), false, 'the drop-in is gone');
    assert.equal(
      existsSync(dropInDir('etcd', t.root)),
      false,
      'its folder too',
    );
  });

  it('leaves a running service alone and writes nothing', async () => {
    const t = setUp();
    const r = await t.run(joinStartCommand('etcd', 600, ACTIVE, t.root), {
      STUB_STATE: 'active',
    });
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), ACTIVE);
    assert.deepEqual(t.calls(), ['is-active -- etcd']);
  });

  it('fails with the start, and still removes the drop-in', async () => {
    const t = setUp();
    const r = await t.run(joinStartCommand('etcd', 600, ACTIVE, t.root), {
      STUB_START_EXIT: '1',
    });
    assert.equal(r.code, 1);
    assert.deepEqual(t.calls().slice(-2), ['timeout 600', 'daemon-reload']);
    assert.equal(existsSync(t.file), false);
  });

  it('removes the drop-in on a hang-up, once the start it was written for has ended', async () => {
    const t = setUp();
    const r = await t.run(
      joinStartCommand('etcd', 600, ACTIVE, t.root),
      { STUB_START_SLEEP: '1' },
      (pid) => setTimeout(() => process.kill(pid, 'SIGHUP'), 400),
    );
    assert.equal(r.code, 129);
    assert.deepEqual(t.calls().slice(-3), [
      'start -- etcd',
      'timeout 600',
      'daemon-reload',
    ]);
    assert.equal(existsSync(t.file), false);
  });

  it('names the unit without ".service" and quotes it', async () => {
    const t = setUp('etcd-events');
    const r = await t.run(
      joinStartCommand('etcd-events.service', 90, ACTIVE, t.root),
    );
    assert.equal(r.code, 0);
    assert.ok(t.calls().includes('timeout 90'), t.calls().join('; '));
    assert.match(
      joinStartCommand('etcd.service', 600, ACTIVE),
      /'\/run\/systemd\/system\/etcd\.service\.d\/50-etcd-scaleout-join\.conf'/,
    );
  });

  it("the undo's removal: removes a drop-in left behind and reloads, else does nothing", async () => {
    const t = setUp();
    assert.equal((await t.run(joinDropInRemoval('etcd', t.root))).code, 0);
    assert.deepEqual(t.calls(), ['']);
    await t.run(`mkdir -p ${dropInDir('etcd', t.root)} && touch ${t.file}`);
    assert.equal((await t.run(joinDropInRemoval('etcd', t.root))).code, 0);
    assert.deepEqual(t.calls(), ['daemon-reload']);
    assert.equal(existsSync(dropInDir('etcd', t.root)), false);
  });
});
