/**
 * A 3 -> 5 on the production-shaped stack (productionStack.ts) with its worker SIGKILLed in
 * waitForCatchUp, measured: the canary is held in catch-up for real (its etcd SIGSTOPped the moment it
 * is ready and the leader's log run past it, as serverRestart.test.ts does), so the activity is in
 * flight, heartbeating, when the worker that runs it is killed.
 */
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { Lab } from '../../lab';
import type { scaleOutEtcd } from '../../src/workflows';
import { invariants } from './api';
import { describeWorkflowTaskTimeouts, failoverOf } from './failover';
import {
  completedThroughApi,
  killHolderOf,
  startThroughApi,
} from './productionRuns';
import { type ProductionStack, waitForPollers } from './productionStack';
import { waitForProgress } from './runs';
import type { SummaryLines } from './summaryLines';
import { freezeLearnerBehind, signal } from './triggers';

const FIVE = ['etcd1', 'etcd2', 'etcd3', 'etcd4', 'etcd5'];

/** Starts the lab's 3 -> 5 through the API as alice's ticket; the run's handle. */
export const startScaleOut = (
  stack: ProductionStack,
  lab: Lab,
  ticket: string,
) =>
  startThroughApi(
    stack,
    lab,
    'scaleout',
    lab.ticketRequest({ ticket: { id: ticket, requestedBy: 'alice' } }),
  ) as Promise<WorkflowHandle<typeof scaleOutEtcd>>;

/** Where the kills' measurements go: a line per kill, and each kill's failover (ms) for the tally. */
export interface KillReport {
  summary: SummaryLines;
  failovers: number[];
}

/** The kills' failovers in one line, for the file's summary. */
export const failoverTally = (failovers: number[]): string =>
  `failover (SIGKILL -> next activity started on the other worker), ${failovers.length} kills: ${failovers.map((ms) => `${(ms / 1000).toFixed(1)}s`).join(', ')}`;

/**
 * A 3 -> 5 through the API whose canary is held in catch-up; the worker running waitForCatchUp is
 * SIGKILLed. The run must complete on the other worker, and the history must show the run moving on
 * (the first activity scheduled after the kill starting there) less than 10 s after the kill: the
 * heartbeat timeout finds the dead attempt, the retry runs on the other worker, and the workflow task
 * that follows does not wait long on the dead worker's sticky queue (src/worker/create.ts). A new
 * worker `replacement` keeps two running. Returns the run's workflow ID.
 */
export async function killDuringCatchUp(
  stack: ProductionStack,
  lab: Lab,
  ticket: string,
  replacement: string,
  report: KillReport,
): Promise<string> {
  const keys = await lab.seedKeys(30);
  const frozen = freezeLearnerBehind(lab.hosts[0], lab.cluster);
  const t0 = Date.now();
  const handle = await startScaleOut(stack, lab, ticket);
  const pid = await frozen;
  await waitForProgress(
    handle,
    (p) => p.members[0]?.state === 'catching-up',
    'etcd4 catching-up',
  );
  const { victim, others, killedAt } = await killHolderOf(
    stack,
    handle,
    'waitForCatchUp',
  );
  const other = others[0];
  signal(pid, 'SIGCONT');
  try {
    await afterKill();
  } finally {
    // Two workers again for what follows, whether or not this kill's checks passed.
    await waitForPollers(stack.client, [stack.startWorker(replacement)]);
  }
  return handle.workflowId;

  async function afterKill(): Promise<void> {
    const f = await failoverOf(handle, killedAt, 'waitForCatchUp');
    await completedThroughApi(handle.workflowId);
    await invariants(lab, FIVE, keys);
    report.failovers.push(f.next.ms);
    const line = `3 -> 5 through the API in ${((Date.now() - t0) / 1000).toFixed(1)}s; ${victim.name} SIGKILLed in waitForCatchUp: its retry (attempt ${f.retry.attempt}) started ${(f.retry.ms / 1000).toFixed(1)}s after the kill, the next activity (${f.next.activity}) ${(f.next.ms / 1000).toFixed(1)}s after; ${describeWorkflowTaskTimeouts(f.workflowTaskTimeouts)}`;
    report.summary.add(line);
    assert.equal(
      f.retry.worker,
      other.identity,
      'the retry ran on the other worker',
    );
    assert.equal(
      f.next.worker,
      other.identity,
      'the next activity ran on the other worker',
    );
    assert.ok(f.next.ms < 10_000, `failover in under 10 s: ${line}`);
    assert.equal(
      f.workflowTaskTimeoutSeconds,
      5,
      'started with a 5 s workflow task timeout (src/client/start.ts), so a task the dead worker held moves on',
    );
  }
}
