/**
 * The replacement and the scale-in on the production-shaped Temporal (test/support/productionStack.ts:
 * temporal-server on PostgreSQL, two shipped worker processes, the HTTP API), each started through
 * the API as a ticket with the worker that runs its current activity SIGKILLed; the run completes on
 * the other worker, the cluster's invariants hold, and the audit read through the API shows the
 * killed activity retried. One stack for the file (shared with production-temporal.test.ts when both
 * run in one mocha process).
 *
 * - Replacement, down path (lab 214): etcd2 SIGKILLed first, then replaced by etcd4: removed by ID,
 *   etcd4 joined. etcd4's etcd is SIGSTOPped the moment it is ready and the leader's log run past it,
 *   so waitForCatchUp is in flight, heartbeating, when its worker is killed; it is continued right after.
 * - Scale-in 5 -> 3 (lab 215): etcd4 and etcd5 removed. etcd4's host's sshd is SIGSTOPped before the
 *   start (nothing of the run reaches that host before the removal), so stopService, the first step
 *   after etcd removed etcd4 (past the point of no return), hangs in its SSH connect when its worker is
 *   killed; sshd is continued right after.
 */
import assert from 'node:assert/strict';
import type { ReplaceResult, ScaleInResult } from '../../src/workflows';
import { call, TOKEN, waitForList } from '../support/api';
import { assertInvariants } from '../support/invariants';
import { useLab } from '../support/labs';
import {
  completedThroughApi,
  type Failover,
  failoverAfter,
  failoverLine,
  type Kill,
  killHolderOf,
  startThroughApi,
} from '../support/productionRuns';
import {
  PROD_API,
  type ProductionStack,
  useProductionStack,
  waitForPollers,
} from '../support/productionStack';
import { assertEnvFiles, hostNamed, liveMembers } from '../support/replace';
import { type RunHandle, waitForProgress } from '../support/runs';
import { freezeLearnerBehind, signal } from '../support/triggers';

const summary: string[] = [];

/**
 * The killed activity completed on a worker that was running at the kill, in a later attempt, and
 * the run moved on in under 10 s (the heartbeat and sticky-queue timeouts of src/worker/create.ts).
 */
function assertTakenOver(kill: Kill, f: Failover): void {
  assert.notEqual(f.completedBy, kill.victim.identity, 'not the killed worker');
  assert.ok(
    kill.others.some((w) => w.identity === f.completedBy),
    `${kill.activity} completed by ${f.completedBy}, one of ${kill.others.map((w) => w.identity)}`,
  );
  assert.ok(f.attempts >= 2, `${kill.activity} retried: ${f.attempts}`);
  assert.ok(
    f.movedOnMs < 10_000,
    `the run moved on in under 10 s: ${failoverLine(kill, f)}`,
  );
}

/** The audit through the API: the phases in order and the killed activity retried to completion. */
async function assertAudit(
  id: string,
  type: string,
  phases: string[],
  killed: string,
): Promise<void> {
  const r = await call('GET', `/v1/scaleouts/${id}/audit`, {
    base: PROD_API,
    token: TOKEN,
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.workflowType, type);
  assert.equal(r.json.status, 'COMPLETED');
  const seen: string[] = r.json.phases.map((p: { phase: string }) => p.phase);
  assert.deepEqual(
    [...new Set(seen.filter((p) => phases.includes(p)))],
    phases,
    seen.join(' '),
  );
  const runs = r.json.activities.filter(
    (a: { name: string }) => a.name === killed,
  );
  assert.ok(
    runs.some(
      (a: { outcome: string; attempts: number }) =>
        a.outcome === 'completed' && a.attempts >= 2,
    ),
    `${killed} retried after the kill: ${JSON.stringify(runs)}`,
  );
}

describe('production-shaped Temporal: a replacement and a scale-in, the worker of the current activity SIGKILLed', () => {
  const stackOf = useProductionStack();
  let stack: ProductionStack;
  before(() => {
    stack = stackOf();
  });
  after(() => {
    if (summary.length)
      console.log(
        `\n      production stack, replacement and scale-in:\n${summary.map((l) => `      ${l}`).join('\n')}`,
      );
  });

  /** Two running workers again after a kill, for what follows. */
  const replaceKilled = (kill: Kill) =>
    waitForPollers(stack.client, [stack.startWorker(`${kill.victim.name}-2`)]);

  describe('replaceEtcdMember, down path: etcd2 SIGKILLed, replaced by etcd4 (lab 214)', () => {
    const labOf = useLab({ block: 214, newHosts: 1 });
    let id = '';

    it('completes on the other worker after the worker of waitForCatchUp is SIGKILLed; invariants hold', async () => {
      const lab = labOf();
      const keys = await lab.seedKeys(30);
      const etcd2 = (await liveMembers(lab)).find((m) => m.name === 'etcd2');
      assert.ok(etcd2);
      await lab.cluster.crashMember('etcd2');
      const etcd4 = hostNamed(lab, 'etcd4');
      // Written through etcd1: etcd2 is down.
      const frozen = freezeLearnerBehind(etcd4, {
        client: () => lab.cluster.client([lab.cluster.endpoints[0]]),
      });
      const t0 = Date.now();
      const handle = await startThroughApi(stack, lab, 'replace', {
        ...lab.ticketRequest({
          hosts: [etcd4],
          ticket: { id: 'PROD-R1', requestedBy: 'alice' },
        }),
        replaceMember: 'etcd2',
      });
      id = handle.workflowId;
      const pid = await frozen;
      let kill: Kill;
      try {
        await waitForProgress(
          handle as RunHandle,
          (p) => p.members[0]?.state === 'catching-up',
          'etcd4 catching-up',
        );
        kill = await killHolderOf(stack, handle, 'waitForCatchUp');
      } finally {
        signal(pid, 'SIGCONT');
      }
      const f = await failoverAfter(handle, kill);
      const r = await completedThroughApi<ReplaceResult>(id);
      assert.equal(r.path, 'down');
      assert.deepEqual(r.replaced, { name: 'etcd2', id: etcd2.id });
      assert.equal(r.newMember, 'etcd4');
      assert.deepEqual([...r.membersAfter].sort(), ['etcd1', 'etcd3', 'etcd4']);
      assert.equal(r.removal?.removed, true, JSON.stringify(r.removal));
      assert.deepEqual(r.leftByHand, []);
      assertTakenOver(kill, f);
      await assertEnvFiles(lab);
      await assertInvariants(lab, {
        members: ['etcd1', 'etcd3', 'etcd4'],
        keys,
        fault:
          'replace etcd2 (down) by etcd4 on temporal-server, a worker SIGKILLed in waitForCatchUp',
        outcome: 'completed on the other worker',
        startedAt: t0,
      });
      const line = `replacement (down path) in ${((Date.now() - t0) / 1000).toFixed(1)}s; ${failoverLine(kill, f)}`;
      summary.push(line);
      console.log(`      ${line}`);
      await replaceKilled(kill);
    });

    it('the audit through the API: the down path in order, waitForCatchUp retried; listed by cluster and type', async () => {
      assert.ok(id, 'the replacement ran');
      await assertAudit(
        id,
        'replaceEtcdMember',
        ['validate', 'preflight', 'backup', 'remove', 'join', 'verify', 'done'],
        'waitForCatchUp',
      );
      await waitForList(
        'cluster=lab-214&type=replaceEtcdMember',
        (items) =>
          items.some((i) => i.workflowId === id && i.status === 'COMPLETED'),
        60_000,
        PROD_API,
      );
    });
  });

  describe('scaleInEtcd 5 -> 3: etcd4 and etcd5 removed (lab 215)', () => {
    const labOf = useLab({ block: 215, clusterSize: 5, newHosts: 0 });
    let id = '';

    it("completes on the other worker after the worker stopping etcd4's service (etcd removed it) is SIGKILLed; invariants hold", async () => {
      const lab = labOf();
      const keys = await lab.seedKeys(30);
      const host = lab.memberHosts.find((h) => h.options.name === 'etcd4');
      const sshd = host?.sshdPid();
      assert.ok(sshd, "etcd4's host runs sshd");
      signal(sshd, 'SIGSTOP');
      const t0 = Date.now();
      let kill: Kill;
      let handle: Awaited<ReturnType<typeof startThroughApi>>;
      try {
        handle = await startThroughApi(stack, lab, 'scalein', {
          cluster: { name: 'lab-215' },
          removeMembers: ['etcd4', 'etcd5'],
          ticket: { id: 'PROD-S1', requestedBy: 'alice' },
        });
        id = handle.workflowId;
        await waitForProgress(
          handle as RunHandle,
          (p) => p.step === 'etcd4: stopService',
          "etcd4's stopService",
          60_000,
        );
        kill = await killHolderOf(stack, handle, 'stopService');
      } finally {
        signal(sshd, 'SIGCONT');
      }
      const f = await failoverAfter(handle, kill);
      const r = await completedThroughApi<ScaleInResult>(id);
      assert.deepEqual([r.from, r.to], [5, 3]);
      assert.deepEqual(
        r.removed.map((x) => [x.member, x.removed, x.serviceStopped]),
        [
          ['etcd4', true, true],
          ['etcd5', true, true],
        ],
      );
      assert.deepEqual([...r.membersAfter].sort(), ['etcd1', 'etcd2', 'etcd3']);
      assert.deepEqual(r.leftByHand, []);
      assertTakenOver(kill, f);
      await assertEnvFiles(lab);
      await assertInvariants(lab, {
        members: ['etcd1', 'etcd2', 'etcd3'],
        keys,
        fault:
          "scale-in 5 -> 3 on temporal-server, a worker SIGKILLed in etcd4's stopService",
        outcome: 'completed on the other worker',
        startedAt: t0,
      });
      const line = `scale-in 5 -> 3 in ${((Date.now() - t0) / 1000).toFixed(1)}s; ${failoverLine(kill, f)}`;
      summary.push(line);
      console.log(`      ${line}`);
      await replaceKilled(kill);
    });

    it('the audit through the API: every phase, stopService retried; listed by cluster and type', async () => {
      assert.ok(id, 'the scale-in ran');
      await assertAudit(
        id,
        'scaleInEtcd',
        ['validate', 'preflight', 'backup', 'remove', 'verify', 'done'],
        'stopService',
      );
      await waitForList(
        'cluster=lab-215&type=scaleInEtcd',
        (items) =>
          items.some((i) => i.workflowId === id && i.status === 'COMPLETED'),
        60_000,
        PROD_API,
      );
    });
  });
});
