/**
 * The version matrix: every etcd of lab/etcd-versions (Debian's 3.4.23, and 3.5, 3.6, 3.7 built from
 * the Go modules), each short: 3 -> 5 over plain http, one rollback, and 3 -> 5 over Kubespray-shaped
 * mutual TLS. The cluster members and the new hosts run the same version. ETCD_MATRIX=3.6.14,3.7.3
 * runs some versions only.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:net';
import type { Lab } from '../../lab';
import { assertInvariants } from '../support/invariants';
import { matrixVersions, recordTiming, timings, useLab } from '../support/labs';
import { outcome, startRaw, takePeerPortOnce } from '../support/runs';
import { getStack } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const GROWN = [...ORIGINAL, 'etcd4', 'etcd5'];

async function scaleOutGrows(lab: Lab, what: string): Promise<void> {
  const keys = await lab.seedKeys(20);
  const started = Date.now();
  const o = await outcome(await startRaw(lab.request()));
  if (!o.ok) assert.fail(`${what}: ${o.message}`);
  recordTiming(what, started);
  assert.deepEqual(o.result.membersAfter.map((m) => m.name).sort(), GROWN);
  assert.ok(
    o.result.etcdServers.every((u) => u.startsWith(`${lab.scheme}://`)),
  );
  assert.ok(o.result.membersAfter.every((m) => !m.isLearner));
  await assertInvariants(lab, { members: GROWN, keys });
}

describe('etcd version matrix on the real stack', () => {
  before(async () => {
    await getStack();
  });
  after(() => {
    if (timings.length)
      console.log(
        `\n      version matrix, 3 -> 5 and rollback times:\n${timings.map((t) => `        ${t.what.padEnd(40)} ${t.seconds.toFixed(1)}s`).join('\n')}`,
      );
  });

  matrixVersions().forEach((version, i) => {
    const block = 110 + 3 * i;

    describe(`etcd ${version}`, () => {
      describe('3 -> 5 over http', () => {
        const lab = useLab({ block, etcdVersion: version });
        it('adds both members as voters and keeps the data', async () => {
          await scaleOutGrows(lab(), `${version} http 3 -> 5`);
        });
      });

      describe('rollback over http', () => {
        const lab = useLab({ block: block + 1, etcdVersion: version });
        let blocker: Server | undefined;
        after(() => blocker?.close());
        it('undoes the canary when the second member cannot start, leaving the 3 members healthy', async () => {
          const keys = await lab().seedKeys(20);
          const envBefore = lab().hosts.map((h) => h.envFile());
          const started = Date.now();
          const handle = await startRaw(lab().request());
          blocker = await takePeerPortOnce(handle, lab().hosts[1]);
          const o = await outcome(handle);
          if (o.ok) assert.fail('the run should have rolled back');
          recordTiming(`${version} http rollback`, started);
          assert.equal(o.failure.type, 'ScaleOutFailed');
          assert.match(o.message, /failed in batch \(etcd5: startService\)/);
          assert.match(
            o.message,
            /undone: .*removed member etcd5.*removed member etcd4/,
          );
          assert.deepEqual(o.details.notUndone, []);
          assert.deepEqual(
            lab().hosts.map((h) => h.envFile()),
            envBefore,
          );
          await assertInvariants(lab(), { members: ORIGINAL, keys });
        });
      });

      describe('3 -> 5 over mutual TLS', () => {
        const lab = useLab({
          block: block + 2,
          etcdVersion: version,
          tls: true,
        });
        it('adds both members as voters over https with Kubespray certificates', async () => {
          await scaleOutGrows(lab(), `${version} tls 3 -> 5`);
        });
      });
    });
  });
});
