/**
 * etcd and node faults, each injected for real on its own lab (blocks 70-80): signals to real etcd
 * processes, real env files, real data dirs, real sshd sessions and host keys. Every scenario waits on
 * the `progress` query or on observable state (a log line, a pid file), never on luck, and ends with
 * the shared invariant check, which prints one summary line per fault.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Etcd3 } from 'etcd3';
import { KUBESPRAY_TUNING, Lab, type TestHost } from '../../lab';
import { alive, sleep, waitFor } from '../../lab/processes';
import {
  createEtcdActivities,
  etcdConnector,
} from '../../src/activities/etcd/activities';
import type { Progress, scaleOutEtcd } from '../../src/workflows';
import { printTimeline } from '../support/history';
import { assertInvariants } from '../support/invariants';
import {
  type Outcome,
  outcome,
  startRaw,
  waitForProgress,
} from '../support/runs';
import { getStack } from '../support/stack';
import { freezeEtcdWhenReady, running, signal } from '../support/triggers';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
type Handle = WorkflowHandle<typeof scaleOutEtcd>;

/** Calls `action(pid)` as soon as the host's service pid file appears (the service is being started). */
function onServicePid<T>(
  host: TestHost,
  action: (pid: number) => T,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const pid = host.etcdPid();
      if (pid) {
        try {
          return resolve(action(pid));
        } catch (err) {
          return reject(err);
        }
      }
      if (Date.now() > deadline)
        return reject(
          new Error(`${host.options.name}: the service was never started`),
        );
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** PIDs of the test host's sshd processes that serve connections (descendants of the listener named sshd*). */
function sshdSessions(host: TestHost): number[] {
  const listener = Number(
    readFileSync(join(host.root, 'ssh', 'sshd.pid'), 'utf8').trim(),
  );
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      comm.set(Number(d), stat.slice(stat.indexOf('(') + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // exited while listing
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (
      let p = parent.get(pid), hops = 0;
      p && hops < 20;
      p = parent.get(p), hops++
    )
      if (p === listener) return true;
    return false;
  };
  return [...parent.keys()].filter(
    (pid) => isDescendant(pid) && comm.get(pid)!.startsWith('sshd'),
  );
}

async function stopMemberAndWait(lab: Lab, name: string): Promise<void> {
  const pid = lab.cluster.members.find((m) => m.name === name)!.process?.pid;
  lab.cluster.stopMember(name);
  await waitFor(`${name} to exit`, async () => !alive(pid), 20_000, 50);
}

async function memberNames(
  lab: Lab,
  endpoints = lab.cluster.endpoints,
): Promise<
  Array<{ id: string; name: string; peerURLs: string[]; isLearner: boolean }>
> {
  const c = new Etcd3({ hosts: endpoints, dialTimeout: 2000 });
  try {
    const { members } = await c.cluster.memberList({});
    return members.map((m) => ({
      id: m.ID,
      name: m.name,
      peerURLs: m.peerURLs,
      isLearner: !!m.isLearner,
    }));
  } finally {
    c.close();
  }
}

/** Attempts of one activity type in the run's history: attempt number and the previous attempt's failure. */
async function attemptsOf(
  handle: Handle,
  activityType: string,
): Promise<Array<{ attempt: number; lastFailure?: string }>> {
  const history = await handle.fetchHistory();
  const scheduled = new Map<string, string>();
  const out: Array<{ attempt: number; lastFailure?: string }> = [];
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const st = e.activityTaskStartedEventAttributes;
    if (st && scheduled.get(String(st.scheduledEventId)) === activityType) {
      const f = st.lastFailure;
      out.push({
        attempt: st.attempt ?? 1,
        lastFailure: f
          ? `${f.message}${f.cause?.message ? ` <- ${f.cause.message}` : ''}`
          : undefined,
      });
    }
  }
  return out;
}

const failureOf = (o: Outcome): Exclude<Outcome, { ok: true }> => {
  if (o.ok)
    assert.fail(
      `the run should have failed, but it completed: ${o.result.from} -> ${o.result.to}`,
    );
  return o as Exclude<Outcome, { ok: true }>;
};
const succeeded = (o: Outcome) => {
  if (!o.ok) assert.fail(`the run should have completed: ${o.message}`);
  return o.result;
};
const isActive = async (host: TestHost) =>
  (await host.ssh('systemctl is-active etcd || true')).stdout.trim();
const secondsSince = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)}s`;

describe('etcd and node faults on the real stack', () => {
  const labs: Lab[] = [];
  const newLab = async (block: number, options: { newHosts?: number } = {}) => {
    const lab = new Lab({ block, ...options });
    labs.push(lab);
    await lab.start();
    return lab;
  };
  before(async () => {
    await getStack();
  });
  afterEach(async () => {
    while (labs.length) await labs.pop()!.stop();
  });

  it('1. a learner that never catches up: CatchUpTimeout, the learner is removed, rolled back to 3', async () => {
    const lab = await newLab(70);
    const keys = await lab.seedKeys(50);
    const host = lab.hosts[0];
    const envBefore = host.envFile();
    const t0 = Date.now();
    // SIGSTOP the new etcd the moment it is ready: its service start succeeds, then it never answers again.
    const frozen = freezeEtcdWhenReady(host);
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
      assert.match(
        o.message,
        /undone: removed member etcd4 \(\d+\); stopped etcd on 127\.0\.70\.14/,
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
      await assertInvariants(lab, {
        members: ORIGINAL,
        keys,
        fault: 'learner never catches up (SIGSTOP at ready)',
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

  /** staleDataDir "fail" refuses with no change; "quarantine" moves member/ aside and the host joins. */
  async function staleBothWays(
    lab: Lab,
    keys: Record<string, string>,
    membersBefore: string[],
    kind: string,
    t0: number,
  ) {
    const host = lab.hosts[0];
    const before = await memberNames(lab);
    const refused = failureOf(
      await outcome(
        await startRaw(
          lab.request({
            hosts: [host],
            strategy: { staleDataDir: 'fail', allowEvenSize: true },
          }),
        ),
      ),
    );
    assert.equal(refused.failure.type, 'StaleDataDir');
    assert.match(refused.message, /failed in preflight/);
    assert.match(
      refused.message,
      /newMembers\[0\] etcd4 \(127\.0\.\d+\.14\): stale data dir \/var\/lib\/etcd\/member \(wal-and-snap: /,
    );
    assert.match(refused.message, /nothing had changed/);
    assert.deepEqual(
      await memberNames(lab),
      before,
      'no change to the cluster',
    );
    assert.ok(
      existsSync(join(host.dataDir, 'member', 'wal')),
      'the stale dir is left where it was',
    );
    const refusedAfter = secondsSince(t0);

    const joined = succeeded(
      await outcome(
        await startRaw(
          lab.request({
            hosts: [host],
            strategy: { staleDataDir: 'quarantine', allowEvenSize: true },
          }),
        ),
      ),
    );
    assert.deepEqual(
      joined.membersAfter.map((m) => m.name).sort(),
      [...membersBefore, 'etcd4'].sort(),
    );
    const moved = readdirSync(host.dataDir).filter((d) =>
      d.startsWith('member.quarantined-'),
    );
    assert.equal(
      moved.length,
      1,
      `the old member/ is kept, moved aside: ${readdirSync(host.dataDir).join(',')}`,
    );
    assert.ok(existsSync(join(host.dataDir, moved[0], 'wal')));
    await assertInvariants(lab, {
      members: [...membersBefore, 'etcd4'],
      keys,
      fault: `stale data dir (${kind})`,
      outcome: `"fail" refused in preflight with no change (at ${refusedAfter}); "quarantine" moved member/ aside and etcd4 joined`,
      startedAt: t0,
    });
  }

  it('3a. stale data dir from another cluster: "fail" refuses, "quarantine" recovers and joins', async () => {
    const lab = await newLab(72);
    const keys = await lab.seedKeys(30);
    const t0 = Date.now();
    await lab.hosts[0].seedForeignDataDir();
    await staleBothWays(lab, keys, ORIGINAL, "another cluster's state", t0);
  });

  it('3b. stale data dir from an earlier attempt in this cluster (added, removed, service stopped): "fail" refuses, "quarantine" recovers and joins', async () => {
    const lab = await newLab(73);
    const keys = await lab.seedKeys(30);
    const host = lab.hosts[0];
    const t0 = Date.now();
    succeeded(
      await outcome(
        await startRaw(
          lab.request({ hosts: [host], strategy: { allowEvenSize: true } }),
        ),
      ),
    );
    // Remove etcd4 behind the product's back, as an operator undoing a first attempt by hand would.
    const pid = host.etcdPid();
    const c = new Etcd3({ hosts: lab.cluster.endpoints, dialTimeout: 2000 });
    try {
      const { members } = await c.cluster.memberList({});
      await c.cluster.memberRemove({
        ID: members.find((m) => m.name === 'etcd4')!.ID,
      });
    } finally {
      c.close();
    }
    // etcd4 learns it was removed and exits 0 by itself; stop its service too, leaving its data dir.
    await waitFor(
      'the removed etcd4 to exit',
      async () => !running(pid),
      30_000,
    );
    assert.match(
      readFileSync(join(host.runDir, 'etcd.log'), 'utf8'),
      /permanently removed from the cluster/,
    );
    await host.ssh('systemctl stop etcd');
    await staleBothWays(
      lab,
      keys,
      ORIGINAL,
      'earlier attempt of this cluster',
      t0,
    );
  });

  it('3c. stale data dir from a node started with --initial-cluster-state new against this cluster: "fail" refuses, "quarantine" recovers and joins', async () => {
    const lab = await newLab(74);
    const keys = await lab.seedKeys(30);
    const host = lab.hosts[0];
    const t0 = Date.now();
    const peer = `http://${host.address}:2380`;
    const initialCluster = [
      ...lab.cluster.members.map((m) => `${m.name}=${m.peerURL}`),
      `etcd4=${peer}`,
    ].join(',');
    const started = await host.ssh(
      `nohup setsid /usr/local/bin/etcd --name etcd4 --data-dir /var/lib/etcd --listen-peer-urls ${peer} --initial-advertise-peer-urls ${peer} ` +
        `--listen-client-urls http://${host.address}:2379 --advertise-client-urls http://${host.address}:2379 --initial-cluster ${initialCluster} ` +
        '--initial-cluster-state new --initial-cluster-token k8s_etcd > /run/etcd-testhost/rogue.log 2>&1 < /dev/null & echo $!',
    );
    const rogue = Number(started.stdout.trim());
    try {
      // It bootstraps its own cluster (its own cluster ID) and is refused by every real member.
      await waitFor(
        'the rogue etcd4 to be refused for cluster ID mismatch',
        async () =>
          existsSync(join(host.dataDir, 'member', 'wal')) &&
          /cluster ID mismatch/.test(
            readFileSync(join(host.runDir, 'rogue.log'), 'utf8'),
          ),
        60_000,
      );
    } finally {
      signal(rogue, 'SIGTERM');
      await waitFor(
        'the rogue etcd4 to exit',
        async () => !running(rogue),
        15_000,
      ).catch(() => signal(rogue, 'SIGKILL'));
    }
    assert.deepEqual(
      (await memberNames(lab)).map((m) => m.name).sort(),
      ORIGINAL,
      'the rogue never became a member',
    );
    await staleBothWays(lab, keys, ORIGINAL, '--initial-cluster-state new', t0);
  });

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
    await handle.executeUpdate('decide', {
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
    const p = await handle.query<Progress>('progress');
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

  it('5. member ID collision: remove and re-add the same peer URL within one second is retried after >= 1 s and succeeds', async () => {
    const lab = await newLab(78);
    const keys = await lab.seedKeys(30);
    // Called directly, outside a workflow: the run these activities record in their add intents is
    // given here (inside a workflow it comes from the activity's context).
    const acts = createEtcdActivities({
      connect: etcdConnector(),
      currentRun: () => ({ workflowId: 'faults-lab-78', runId: 'direct-call' }),
    });
    const cluster = { name: 'lab-78', endpoints: lab.cluster.endpoints };
    const member = {
      name: 'etcd4',
      peerURL: `http://${lab.hosts[0].address}:2380`,
    };
    const t0 = Date.now();
    // Add at the beginning of a second, so add, remove and re-add fall in the same unix second. A fresh
    // cluster refuses adds for ~5 s after its members started ("unhealthy cluster"): try again then.
    let first: Awaited<ReturnType<typeof acts.addLearner>> | undefined;
    for (let tries = 0; !first; tries++) {
      while (Date.now() % 1000 > 50) await sleep(5);
      try {
        first = await acts.addLearner(cluster, member, {});
      } catch (err) {
        if (tries > 60 || !/unhealthy/.test((err as Error).message)) throw err;
        await sleep(500);
      }
    }
    const removed = await acts.removeMember(cluster, member.peerURL);
    const reAddAt = Date.now();
    const second = await acts.addLearner(cluster, member, {});
    const tookMs = Date.now() - reAddAt;
    assert.deepEqual(removed, { removed: true, id: first.id });
    assert.equal(first.alreadyPresent, false);
    assert.equal(second.alreadyPresent, false);
    assert.notEqual(second.id, first.id, 'a new member ID');
    assert.ok(
      (second.idCollisions ?? 0) >= 1,
      `the re-add collided with the removed ID (same second): ${JSON.stringify(second)}`,
    );
    assert.ok(tookMs >= 1000, `retried after >= 1 s (took ${tookMs} ms)`);
    const learners = (await memberNames(lab)).filter((m) => m.isLearner);
    assert.deepEqual(
      learners.map((m) => m.id),
      [second.id],
    );
    // Clean up the unstarted learner, then the cluster must be as before.
    await acts.removeMember(cluster, member.peerURL);
    await assertInvariants(lab, {
      members: ORIGINAL,
      keys,
      fault: 'member ID collision',
      outcome: `re-add within the same second collided ${second.idCollisions}x, retried after ${tookMs} ms and succeeded with a new ID`,
      startedAt: t0,
    });
  });

  it('6a. an SSH connection dropped in the middle of systemctl start is retried safely and the run completes', async () => {
    const lab = await newLab(79);
    const keys = await lab.seedKeys(30);
    const host = lab.hosts[0];
    const t0 = Date.now();
    let killed: number[] = [];
    // Hold `systemctl start` in flight (etcd stopped before it is ready), cut the connection, let etcd go on.
    const dropped = onServicePid(host, (pid) => {
      signal(pid, 'SIGSTOP');
      killed = sshdSessions(host);
      for (const s of killed) signal(s, 'SIGKILL');
      signal(pid, 'SIGCONT');
      return pid;
    });
    const handle = await startRaw(
      lab.request({ hosts: [host], strategy: { allowEvenSize: true } }),
    );
    await dropped;
    assert.ok(killed.length >= 1, 'an sshd session was serving the command');
    const r = succeeded(await outcome(handle));
    await printTimeline(handle);
    assert.deepEqual(r.membersAfter.map((m) => m.name).sort(), [
      ...ORIGINAL,
      'etcd4',
    ]);
    const starts = await attemptsOf(handle, 'startService');
    assert.equal(starts.length, 1);
    assert.ok(
      starts[0].attempt >= 2,
      `startService was retried: ${JSON.stringify(starts)}`,
    );
    assert.match(
      starts[0].lastFailure ?? '',
      /SshFailed|ssh .*(closed|ECONNRESET|reset|ended)/i,
    );
    await assertInvariants(lab, {
      members: [...ORIGINAL, 'etcd4'],
      keys,
      fault: 'SSH connection dropped mid-command',
      outcome: `killed ${killed.length} sshd session process(es) during systemctl start; retried (attempt ${starts[0].attempt}: "${starts[0].lastFailure}"), completed 3 -> 4`,
      startedAt: t0,
    });
  });

  it('6b. a host key that changed between runs is refused: HostKeyRejected in the preflight failure, nothing changes', async () => {
    const lab = await newLab(80);
    const keys = await lab.seedKeys(30);
    const t0 = Date.now();
    succeeded(
      await outcome(
        await startRaw(
          lab.request({
            hosts: [lab.hosts[0]],
            strategy: { allowEvenSize: true },
          }),
        ),
      ),
    );
    const target = lab.hosts[1];
    const envBefore = target.envFile();
    const before = await memberNames(lab);
    await target.changeHostKey();
    const t1 = Date.now();
    const o = failureOf(
      await outcome(await startRaw(lab.request({ hosts: [target] }))),
    );
    assert.equal(o.failure.type, 'PreflightFailed');
    assert.match(
      o.message,
      /newMembers\[0\] etcd5 \(127\.0\.80\.15\): HostKeyRejected: ssh root@\[127\.0\.80\.15\]:2222: host key does not match/,
    );
    assert.match(o.message, /nothing had changed/);
    assert.deepEqual(await memberNames(lab), before, 'member list unchanged');
    assert.equal(target.envFile(), envBefore);
    assert.ok(!existsSync(join(target.dataDir, 'member')));
    await assertInvariants(lab, {
      members: [...ORIGINAL, 'etcd4'],
      keys,
      fault: 'host key changed between runs',
      outcome: `first run 3 -> 4 completed; second run refused in preflight with HostKeyRejected in ${secondsSince(t1)}, nothing changed`,
      startedAt: t0,
    });
  });
});
