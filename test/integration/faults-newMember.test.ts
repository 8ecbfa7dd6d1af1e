/**
 * etcd faults of the new member, injected for real on its own lab (blocks 70-71, test/support/faults.ts):
 * a learner that never catches up, and a service that exits at once. Each ends with the shared
 * invariant check, which prints one summary line per fault.
 */
import assert from 'node:assert/strict';
import { KUBESPRAY_TUNING } from '../../lab';
import { waitFor } from '../../lab/processes';
import {
  attemptsOf,
  failureOf,
  isActive,
  memberNames,
  ORIGINAL,
  useFaultLabs,
} from '../support/faults';
import { printTimeline } from '../support/history';
import { assertInvariants } from '../support/invariants';
import { outcome, startRaw, waitForProgress } from '../support/runs';
import { freezeLearnerBehind, running, signal } from '../support/triggers';

describe('etcd and node faults on the real stack', () => {
  const newLab = useFaultLabs();

  it('1. a learner that never catches up: CatchUpTimeout, the learner is removed, rolled back to 3', async () => {
    const lab = await newLab(70);
    const keys = await lab.seedKeys(50);
    const host = lab.hosts[0];
    const envBefore = host.envFile();
    const env5Before = lab.hosts[1].envFile();
    const t0 = Date.now();
    // SIGSTOP the new etcd the moment it is ready (its service start succeeds, then it never answers
    // again) and run the leader's log past it: etcd refuses its promotion for good.
    const frozen = freezeLearnerBehind(host, lab.cluster);
    const handle = await startRaw(
      lab.request({ strategy: { catchUpTimeoutSeconds: 10 } }),
    );
    let pid: number | undefined;
    try {
      pid = await frozen;
      const p = await waitForProgress(
        handle,
        (x) =>
          x.members[0]?.state === 'catching-up' ||
          x.phase === 'rollback' ||
          x.phase === 'failed',
        'etcd4 catching-up',
      );
      assert.equal(
        p.members[0].state,
        'catching-up',
        `the learner is stuck in catch-up, not past it: ${JSON.stringify(p.members[0])}`,
      );
      assert.equal(p.step, 'etcd4: waitForCatchUp');
      const o = failureOf(await outcome(handle));
      await printTimeline(handle);
      const catchUpFor = (
        (Date.now() - Date.parse(p.members[0].timings.serviceStartedAt!)) /
        1000
      ).toFixed(1);
      assert.equal(o.failure.type, 'ScaleOutFailed');
      assert.match(o.message, /failed in canary \(etcd4: waitForCatchUp\)/);
      assert.match(
        o.message,
        /CatchUpTimeout: learner etcd4 did not catch up before the deadline/,
      );
      // etcd5's node was prepared while etcd4 caught up (its env file written): undone first.
      assert.match(
        o.message,
        /undone: env file \/etc\/etcd\.env on 127\.0\.70\.15: previous; removed member etcd4 \(\d+\); stopped etcd on 127\.0\.70\.14/,
      );
      assert.deepEqual(o.details.notUndone, []);
      assert.ok(
        !(await memberNames(lab)).some((m) =>
          m.peerURLs.includes('http://127.0.70.14:2380'),
        ),
        'the learner is no longer a member',
      );
      await waitFor(
        'the frozen etcd to be gone',
        async () => !running(pid),
        10_000,
      ).catch(() =>
        assert.fail('the frozen etcd was not stopped by the rollback'),
      );
      assert.equal(await isActive(host), 'inactive');
      assert.equal(host.envFile(), envBefore, 'env file restored');
      assert.equal(
        lab.hosts[1].envFile(),
        env5Before,
        "etcd5's env file (written ahead) restored",
      );
      await assertInvariants(lab, {
        members: ORIGINAL,
        keys,
        fault:
          'learner never catches up (SIGSTOP at ready, leader run past it)',
        outcome: `CatchUpTimeout (10 s deadline; failed and rolled back ${catchUpFor}s after the service started), learner removed, rolled back to 3`,
        startedAt: t0,
      });
    } finally {
      signal(pid ?? host.etcdPid(), 'SIGCONT');
      signal(pid ?? host.etcdPid(), 'SIGKILL');
    }
  });

  it("2. the new member's service starts and exits at once (a bad ETCD_ variable): ServiceStartFailed, rolled back, env file restored", async () => {
    const lab = await newLab(71);
    const keys = await lab.seedKeys(50);
    const host = lab.hosts[0];
    // A variable etcd rejects at start (exit 1 in milliseconds); the product merges into this file.
    await host.ssh("echo 'ETCD_SNAPSHOT_COUNT=lots' >> /etc/etcd.env");
    const envBefore = host.envFile();
    assert.equal(envBefore, `${KUBESPRAY_TUNING}ETCD_SNAPSHOT_COUNT=lots\n`);
    const t0 = Date.now();
    const handle = await startRaw(lab.request());
    const o = failureOf(await outcome(handle));
    assert.equal(o.failure.type, 'ScaleOutFailed');
    assert.match(o.message, /failed in canary \(etcd4: startService\)/);
    assert.match(
      o.message,
      /ServiceStartFailed: systemctl start etcd on 127\.0\.71\.14 failed/,
    );
    assert.match(
      o.message,
      /invalid value "lots" for ETCD_SNAPSHOT_COUNT/,
      "the operator sees etcd's own complaint",
    );
    assert.match(
      o.message,
      /undone: removed member etcd4 .*stopped etcd on 127\.0\.71\.14.*env file \/etc\/etcd\.env on 127\.0\.71\.14: previous/,
    );
    assert.deepEqual(o.details.notUndone, []);
    const starts = await attemptsOf(handle, 'startService');
    assert.ok(
      starts.length >= 1 && starts[starts.length - 1].attempt === 2,
      `startService tried twice (retry(2)): ${JSON.stringify(starts)}`,
    );
    assert.equal(await isActive(host), 'inactive');
    assert.equal(host.envFile(), envBefore, 'env file restored byte for byte');
    assert.equal(
      lab.hosts[1].envFile(),
      KUBESPRAY_TUNING,
      'the batch host was never touched',
    );
    await assertInvariants(lab, {
      members: ORIGINAL,
      keys,
      fault: 'service exits at once (bad ETCD_SNAPSHOT_COUNT)',
      outcome:
        'ServiceStartFailed after 2 attempts, rolled back to 3, env file restored',
      startedAt: t0,
    });
  });
});
