/**
 * The workflow's rollback branches that no integration test reaches (test/support/timeSkipping.ts):
 * `strategy.rollback: "none"`, an undo that fails for good, a failure after the last member, and a
 * cancel before the first workflow task.
 */
import assert from 'node:assert/strict';
import { ErrorType } from '../../src/domain/errors';
import {
  afterPreflight,
  joinCalls,
  memberEnvCalls,
  request,
  stampless,
  undoCalls,
  undoneLines,
  useTimeSkipping,
} from '../support/timeSkipping';

describe('scaleOutEtcd on the time-skipping test server, stub activities', () => {
  const run = useTimeSkipping();

  it('strategy.rollback "none": a failure leaves the changes and lists what was not undone', async () => {
    const r = await run(request({ rollback: 'none' }), {
      'startService etcd5': {
        type: ErrorType.ServiceStartFailed,
        message: 'systemctl start etcd on 127.0.90.15 failed (exit 1)',
      },
    });
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.failure.type, ErrorType.ScaleOutFailed);
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4', 'ahead'),
      'verifyCluster',
      ...joinCalls('etcd5', 'ahead').slice(0, 3), // its env file (written while etcd4 caught up), add, start
      'releaseScaleOutLock',
    ]);
    assert.equal(r.details.failedStep, 'batch (etcd5: startService)');
    assert.deepEqual(r.details.undone, []);
    assert.deepEqual(r.details.notUndone, [
      'undo etcd4 (strategy.rollback is "none")',
      'undo etcd5 (strategy.rollback is "none")',
    ]);
    assert.match(
      r.message,
      /failed in batch \(etcd5: startService\): ServiceStartFailed: systemctl start etcd on 127\.0\.90\.15 failed \(exit 1\); undone: nothing; NOT undone: undo etcd4 \(strategy\.rollback is "none"\); undo etcd5/,
    );
  });

  it('an undo that fails for good: the other undos still run, the failure lists what was and was not undone', async () => {
    const r = await run(request(), {
      'waitForCatchUp etcd5': {
        type: ErrorType.CatchUpTimeout,
        message: 'learner etcd5 did not catch up before the deadline',
      },
      'removeMember etcd5': {
        type: ErrorType.ClusterUnhealthy,
        message:
          'member remove 1005 (http://127.0.90.15:2380) failed: etcdserver: unhealthy cluster',
      },
    });
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.failure.type, ErrorType.ScaleOutFailed);
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4', 'ahead'),
      'verifyCluster',
      ...joinCalls('etcd5', 'ahead').slice(0, 4),
      'removeMember etcd5',
      ...undoCalls('etcd4'),
      'releaseScaleOutLock',
    ]);
    assert.equal(r.details.failedStep, 'batch (etcd5: waitForCatchUp)');
    assert.deepEqual(
      stampless(r.details.undone),
      undoneLines('etcd4', '1004', '127.0.90.14'),
    );
    // Nothing of etcd5's undo was done: every step is left, each as the command to run and where.
    assert.deepEqual(stampless(r.details.notUndone), [
      'undo etcd5: ClusterUnhealthy: member remove 1005 (http://127.0.90.15:2380) failed: etcdserver: unhealthy cluster; left to do by hand: ' +
        'remove the member with peer URL http://127.0.90.15:2380 (etcdctl member list; etcdctl member remove <its ID>); ' +
        'on 127.0.90.15: systemctl stop etcd; ' +
        "on 127.0.90.15: if /run/systemd/system/etcd.service.d/50-etcd-scaleout-join.conf exists (the join's start timeout), rm it and systemctl daemon-reload; " +
        'on 127.0.90.15: mv /var/lib/etcd/member /var/lib/etcd/member.quarantined-<stamp>-rollback; ' +
        'on 127.0.90.15: put back /etc/etcd.env from /etc/etcd.env.etcd-scaleout-<run>.bak (or remove it if /etc/etcd.env.etcd-scaleout-<run>.absent exists)',
    ]);
    assert.match(
      r.message,
      /; undone: removed member etcd4 \(1004\); .*; NOT undone: undo etcd5: ClusterUnhealthy: member remove 1005/,
    );
  });

  it('a failure after the last member is verified undoes nothing: the run succeeds with a warning', async () => {
    const r = await run(request(), {
      'inspectCluster#2': {
        type: ErrorType.EtcdRequestFailed,
        message: 'member list failed',
      },
    });
    assert.ok(r.ok, `the run succeeds${r.ok ? '' : `: ${r.message}`}`);
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4', 'ahead'),
      'verifyCluster',
      ...joinCalls('etcd5', 'ahead'),
      'inspectCluster', // the result's member list, read beside the env files
      ...memberEnvCalls('etcd4', 'etcd5'),
      'releaseScaleOutLock',
    ]);
    const { result } = r;
    assert.deepEqual([result.from, result.to], [3, 5]);
    assert.deepEqual(
      result.membersAfter.map((m) => m.name),
      ['etcd1', 'etcd2', 'etcd3', 'etcd4', 'etcd5'],
    );
    assert.ok(
      result.warnings.some((w) =>
        /^the scale-out completed, but reading the member list after it failed \(EtcdRequestFailed: member list failed\): nothing was undone/.test(
          w,
        ),
      ),
      result.warnings.join('; '),
    );
  });

  it('a cancel before the first workflow task fails the run as Cancelled in validate, with nothing changed', async () => {
    const r = await run(request(), {}, { cancelBeforeFirstTask: true });
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.failure.type, ErrorType.Cancelled);
    assert.equal(
      r.message,
      'scale-out failed in validate (cancelled): the run was cancelled; nothing had changed',
    );
    assert.deepEqual(r.details, {
      failedStep: 'validate',
      cause: 'the run was cancelled',
      undone: [],
      notUndone: [],
    });
    assert.deepEqual(r.calls, [], 'no activity ran');
  });
});
