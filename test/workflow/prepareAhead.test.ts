/**
 * The next node's preparation while a member catches up, and the canary's beside the backup
 * (src/workflows/steps/joinAhead.ts), on the time-skipping test server with stub activities: it happens
 * beside the member change (or the snapshot) before it, never past an approval gate, and a failure in it
 * is raised at its own turn and undone first; a failed backup undoes the canary's.
 */
import assert from 'node:assert/strict';
import { ErrorType } from '../../src/domain/errors';
import {
  afterPreflight,
  joinCalls,
  preparedAhead,
  request,
  stampless,
  undoCalls,
  undoneLines,
  useTimeSkipping,
} from '../support/timeSkipping';

/**
 * The calls from the snapshot on, as made (not as afterPreflight orders a preparation made ahead),
 * except the canary's env file: written beside the snapshot (in either order), it is put right after it.
 */
const asMade = (calls: string[]) => {
  const out = calls.slice(calls.indexOf('acquireScaleOutLock') + 1);
  const write = out.indexOf('writeEnvFile etcd4');
  if (write < 0) return out;
  out.splice(write, 1);
  out.splice(out.indexOf('takeSnapshot') + 1, 0, 'writeEnvFile etcd4');
  return out;
};

describe('scaleOutEtcd on the time-skipping test server, stub activities: preparing ahead', () => {
  const run = useTimeSkipping();

  it("etcd5's env file is written while etcd4 catches up, before etcd4 is verified; the member changes stay one at a time", async () => {
    const r = await run(request());
    assert.ok(r.ok, r.ok ? '' : r.message);
    const calls = asMade(r.calls);
    const at = (call: string) => calls.indexOf(call);
    assert.ok(
      at('startService etcd4') < at('writeEnvFile etcd5') &&
        at('writeEnvFile etcd5') < at('verifyCluster etcd4'),
      calls.join(', '),
    );
    // Each add after the member before it is verified, each once: etcd's list was the planned one.
    assert.ok(at('verifyCluster etcd4') < at('addLearner etcd5'));
    assert.equal(calls.filter((c) => c === 'writeEnvFile etcd5').length, 1);
    assert.deepEqual(afterPreflight(r.calls).slice(0, 12), [
      'takeSnapshot',
      ...joinCalls('etcd4', 'ahead'),
      'verifyCluster',
      ...joinCalls('etcd5', 'ahead'),
    ]);
  });

  it("the canary's env file is written beside the snapshot, before its add, and once: its add is followed by its start", async () => {
    const r = await run(request());
    assert.ok(r.ok, r.ok ? '' : r.message);
    const calls = asMade(r.calls);
    assert.deepEqual(calls.slice(0, 4), [
      'takeSnapshot',
      'writeEnvFile etcd4',
      'addLearner etcd4',
      'startService etcd4',
    ]);
    assert.equal(calls.filter((c) => c === 'writeEnvFile etcd4').length, 1);
  });

  it("a failed backup waits for the canary's preparation and undoes it: its env file put back, nothing added", async () => {
    const r = await run(request(), {
      takeSnapshot: {
        type: ErrorType.SnapshotFailed,
        message: 'snapshot of etcd2 failed: disk full',
      },
    });
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.details.failedStep, 'backup');
    assert.deepEqual(asMade(r.calls), [
      'takeSnapshot',
      'writeEnvFile etcd4',
      'restoreEnvFile etcd4',
      'releaseScaleOutLock',
    ]);
    assert.ok(
      !r.calls.some((c) => c.startsWith('addLearner')),
      r.calls.join(', '),
    );
    assert.deepEqual(r.details.undone, [
      'env file /etc/etcd.env on 127.0.90.14: previous',
    ]);
    assert.deepEqual(r.details.notUndone, []);
  });

  it("a failure in the canary's preparation is raised at the canary's turn, after the backup, and undone", async () => {
    const r = await run(request(), {
      'writeEnvFile etcd4': {
        type: ErrorType.RemoteCommandRefused,
        message: 'write /etc/etcd.env: Read-only file system',
      },
    });
    assert.ok(!r.ok, 'the run fails');
    // Named as the canary's step: raised once the backup had finished and the canary's turn came.
    assert.equal(r.details.failedStep, 'canary (etcd4: writeEnvFile)');
    assert.deepEqual(asMade(r.calls), [
      'takeSnapshot',
      'writeEnvFile etcd4',
      'restoreEnvFile etcd4',
      'releaseScaleOutLock',
    ]);
  });

  it('with an approval gate, nothing of the batch happens before the approval', async () => {
    const r = await run(
      request({ approval: 'after-canary', onApprovalTimeout: 'keep-canary' }),
    );
    assert.ok(r.ok, r.ok ? '' : r.message);
    const calls = asMade(r.calls);
    assert.ok(
      !calls.some((c) => c.endsWith(' etcd5')),
      `no call for etcd5 after preflight: ${calls.join(', ')}`,
    );
  });

  it("a failure while preparing ahead: etcd4 finishes first, then the run fails in etcd5's step, etcd5's undo first", async () => {
    const r = await run(request(), {
      'writeEnvFile etcd5': {
        type: ErrorType.RemoteCommandRefused,
        message: 'write /etc/etcd.env: Read-only file system',
      },
    });
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.details.failedStep, 'batch (etcd5: writeEnvFile)');
    // The write went out beside etcd4's catch-up (in either order); the failure waited for etcd4's verify.
    const calls = asMade(r.calls);
    const write = calls.indexOf('writeEnvFile etcd5');
    assert.ok(
      write > calls.indexOf('startService etcd4') &&
        write < calls.indexOf('verifyCluster etcd4'),
      calls.join(', '),
    );
    assert.deepEqual(
      preparedAhead(calls.filter((c) => c !== 'writeEnvFile etcd5')),
      [
        'takeSnapshot',
        ...joinCalls('etcd4', 'ahead'),
        'verifyCluster',
        'restoreEnvFile etcd5',
        ...undoCalls('etcd4'),
        'releaseScaleOutLock',
      ],
    );
    assert.deepEqual(stampless(r.details.undone), [
      'env file /etc/etcd.env on 127.0.90.15: previous',
      ...undoneLines('etcd4', '1004', '127.0.90.14'),
    ]);
  });
});
