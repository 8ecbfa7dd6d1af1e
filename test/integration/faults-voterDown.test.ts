/**
 * A voting member down, before the run or after the canary, for real on its own lab (blocks 75-77,
 * test/support/faults.ts): the run refuses, waits, or rolls back safely.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KUBESPRAY_TUNING, type Lab } from '../../lab';
import { alive, sleep, waitFor } from '../../lab/processes';
import { decideUpdate, progressQuery } from '../../src/workflows/run/messages';
import {
  attemptsOf,
  failureOf,
  isActive,
  memberNames,
  ORIGINAL,
  secondsSince,
  succeeded,
  useFaultLabs,
} from '../support/faults';
import { printTimeline } from '../support/history';
import { assertInvariants } from '../support/invariants';
import { outcome, startRaw, waitForProgress } from '../support/runs';

async function stopMemberAndWait(lab: Lab, name: string): Promise<void> {
  const pid = lab.cluster.members.find((m) => m.name === name)!.process?.pid;
  lab.cluster.stopMember(name);
  await waitFor(`${name} to exit`, async () => !alive(pid), 20_000, 50);
}

describe('etcd and node faults on the real stack', () => {
  const newLab = useFaultLabs();

  it('4a. a voting member is down before the run: preflight refuses naming it, nothing changes', async () => {
    const lab = await newLab(75);
    const keys = await lab.seedKeys(30);
    const before = await memberNames(lab);
    const envBefore = lab.hosts.map((h) => h.envFile());
    const t0 = Date.now();
    await stopMemberAndWait(lab, 'etcd3');
    const o = failureOf(await outcome(await startRaw(lab.request())));
    assert.equal(o.failure.type, 'PreflightFailed');
    assert.match(
      o.message,
      /member etcd3 \(http:\/\/127\.0\.75\.13:2380\) is not healthy/,
    );
    assert.match(o.message, /nothing had changed/);
    assert.deepEqual(
      await memberNames(lab, lab.cluster.endpoints.slice(0, 2)),
      before,
      'member list unchanged',
    );
    assert.deepEqual(
      lab.hosts.map((h) => h.envFile()),
      envBefore,
      'env files unchanged',
    );
    assert.ok(
      lab.hosts.every((h) => !existsSync(join(h.dataDir, 'member'))),
      'no data dir on the new hosts',
    );
    const refusedIn = secondsSince(t0);
    lab.cluster.restartMember('etcd3');
    await lab.cluster.waitHealthy();
    await assertInvariants(lab, {
      members: ORIGINAL,
      keys,
      fault: 'voter down before the run',
      outcome: `PreflightFailed naming etcd3 in ${refusedIn}, nothing changed`,
      startedAt: t0,
    });
  });

  /** Runs 3 -> 5 with an approval gate, and stops etcd3 while the gate holds the verified canary. */
  async function voterDownAfterCanary(
    lab: Lab,
    strategy: Record<string, unknown>,
  ) {
    const handle = await startRaw(
      lab.request({ strategy: { approval: 'after-canary', ...strategy } }),
    );
    const gate = await waitForProgress(
      handle,
      (p) => p.approval.state === 'waiting' || p.phase === 'failed',
      'approval gate',
    );
    assert.equal(
      gate.members[0].state,
      'verified',
      'the canary is verified before the gate',
    );
    await stopMemberAndWait(lab, 'etcd3');
    const downAt = Date.now();
    await handle.executeUpdate(decideUpdate, {
      args: [
        { approve: true, by: 'fault-test', reason: 'go on with a voter down' },
      ],
    });
    await waitForProgress(
      handle,
      (p) => p.phase === 'batch' && p.step === 'etcd5: addLearner',
      'batch etcd5: addLearner',
    );
    return { handle, downAt };
  }

  /** Watches the member list (through the members still up) and fails if etcd5 shows up. */
  async function assertNotAdded(lab: Lab, forMs: number): Promise<number> {
    const peer = `http://${lab.hosts[1].address}:2380`;
    const until = Date.now() + forMs;
    let looks = 0;
    while (Date.now() < until) {
      const members = await memberNames(lab, lab.cluster.endpoints.slice(0, 2));
      assert.ok(
        !members.some((m) => m.peerURLs.includes(peer)),
        `etcd5 was added while etcd3 was down: ${JSON.stringify(members)}`,
      );
      looks++;
      await sleep(250);
    }
    return looks;
  }

  it('4b. a voting member goes down after the canary is verified: the run waits, adds nothing while unhealthy, completes when it is back', async () => {
    const lab = await newLab(76);
    const keys = await lab.seedKeys(30);
    const t0 = Date.now();
    const { handle, downAt } = await voterDownAfterCanary(lab, {});
    const looks = await assertNotAdded(lab, 8_000);
    const p = await handle.query(progressQuery);
    assert.equal(p.step, 'etcd5: addLearner', 'still waiting to add etcd5');
    const backAt = Date.now();
    lab.cluster.restartMember('etcd3');
    const r = succeeded(await outcome(handle));
    assert.equal(r.to, 5);
    assert.ok(
      Date.parse(r.timings.etcd5.addedAt!) >= backAt - 1000,
      `etcd5 added ${r.timings.etcd5.addedAt}, after etcd3 came back at ${new Date(backAt).toISOString()}`,
    );
    const adds = await attemptsOf(handle, 'addLearner');
    const last = adds[adds.length - 1];
    assert.ok(
      last.attempt >= 3,
      `addLearner for etcd5 was retried while etcd3 was down: ${JSON.stringify(adds)}`,
    );
    assert.match(last.lastFailure ?? '', /unhealthy/);
    await assertInvariants(lab, {
      members: [...ORIGINAL, 'etcd4', 'etcd5'],
      keys,
      fault: 'voter down mid-run, back after 8s',
      outcome: `waited ${((backAt - downAt) / 1000).toFixed(1)}s at addLearner (attempt ${last.attempt}, ${looks} member-list checks: etcd5 never added while down), completed 3 -> 5`,
      startedAt: t0,
    });
  });

  it('4c. a voting member goes down after the canary and stays down past healthTimeoutSeconds: the run rolls back safely (canary removed with 3 of 4 voters up)', async () => {
    const lab = await newLab(77);
    const keys = await lab.seedKeys(30);
    const t0 = Date.now();
    const { handle } = await voterDownAfterCanary(lab, {
      healthTimeoutSeconds: 20,
    });
    const o = failureOf(await outcome(handle));
    await printTimeline(handle);
    assert.equal(o.failure.type, 'ScaleOutFailed');
    assert.match(
      o.message,
      /failed in batch \(etcd5: addLearner\): ClusterUnhealthy: cluster lab-77 is unhealthy, not adding etcd5: etcd3: /,
    );
    // 4 voters with etcd3 down: quorum 3 of 4 is still there (etcd1, etcd2, etcd4), so removing the canary
    // (etcd3 counts as started, the 3 remaining voters keep quorum) is allowed by etcd's strict reconfig check.
    assert.match(
      o.message,
      /undone: member etcd5 was not in the cluster; removed member etcd4 \(\d+\); stopped etcd on 127\.0\.77\.14/,
    );
    assert.deepEqual(o.details.notUndone, []);
    const whileDown = await memberNames(lab, lab.cluster.endpoints.slice(0, 2));
    assert.deepEqual(
      whileDown.map((m) => m.name).sort(),
      ORIGINAL,
      'back to the 3 original members while etcd3 is still down',
    );
    assert.equal(await isActive(lab.hosts[0]), 'inactive');
    assert.equal(
      lab.hosts[1].envFile(),
      KUBESPRAY_TUNING,
      'etcd5 never touched',
    );
    const failedIn = secondsSince(t0);
    lab.cluster.restartMember('etcd3');
    await lab.cluster.waitHealthy();
    await assertInvariants(lab, {
      members: ORIGINAL,
      keys,
      fault: 'voter down mid-run, not back',
      outcome: `addLearner gave up after healthTimeoutSeconds=20, canary removed with etcd3 still down, rolled back to 3 (failed at ${failedIn})`,
      startedAt: t0,
    });
  });
});
