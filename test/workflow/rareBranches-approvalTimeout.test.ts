/**
 * The workflow's approval timeout, which no integration test reaches (test/support/timeSkipping.ts):
 * rolled back, or the canary kept, with onApprovalTimeout.
 */
import assert from 'node:assert/strict';
import { ErrorType } from '../../src/domain/errors';
import {
  afterPreflight,
  DAY_MS,
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

  it('approval timeout with onApprovalTimeout "rollback": undoes the canary, fails ApprovalTimedOut', async () => {
    const r = await run(
      request({ approval: 'after-canary', onApprovalTimeout: 'rollback' }),
    );
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.failure.type, ErrorType.ApprovalTimedOut);
    assert.ok(
      r.serverMs >= DAY_MS,
      `the 24 h approval timeout elapsed in server time (${r.serverMs} ms)`,
    );
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4', 'ahead'),
      'verifyCluster',
      ...undoCalls('etcd4'),
      'releaseScaleOutLock',
    ]);
    assert.equal(r.details.failedStep, 'approval');
    assert.match(
      r.details.cause,
      /^ApprovalTimedOut: no decision within 86400s/,
    );
    assert.deepEqual(
      stampless(r.details.undone),
      undoneLines('etcd4', '1004', '127.0.90.14'),
    );
    assert.deepEqual(r.details.notUndone, []);
    assert.match(
      r.message,
      /^scale-out of lab-90 failed in approval: ApprovalTimedOut: .*; undone: removed member etcd4 \(1004\); /,
    );
  });

  it('approval timeout with onApprovalTimeout "keep-canary": succeeds with the canary only, batch not run', async () => {
    const r = await run(
      request({ approval: 'after-canary', onApprovalTimeout: 'keep-canary' }),
    );
    assert.ok(r.ok, `the run succeeds${r.ok ? '' : `: ${r.message}`}`);
    assert.ok(
      r.serverMs >= DAY_MS,
      `the 24 h approval timeout elapsed in server time (${r.serverMs} ms)`,
    );
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4', 'ahead'),
      'verifyCluster',
      'inspectCluster', // the result's member list, read beside the env files
      ...memberEnvCalls('etcd4'),
      'releaseScaleOutLock',
    ]);
    const { result } = r;
    assert.equal(result.stoppedAfterCanary, true);
    assert.deepEqual([result.from, result.to], [3, 4]);
    assert.deepEqual(
      result.membersAfter.map((m) => m.name),
      ['etcd1', 'etcd2', 'etcd3', 'etcd4'],
    );
    assert.equal(result.approval.state, 'timed-out');
    assert.ok(
      result.warnings.includes(
        'approval timed out: kept the canary, did not add the batch',
      ),
      result.warnings.join('; '),
    );
  });
});
