/**
 * Runs on the production-shaped stack (productionStack.ts) with a worker SIGKILLed mid-run: a lab's
 * ticket started through the HTTP API (its profile written to the workers' folder, as an operator
 * keeps it), the worker that runs the current activity found (`lastWorkerIdentity` of the pending
 * activity) and SIGKILLed, and what the run's history says happened after the kill: when the killed
 * activity's retry started, when it completed and on which worker, and when the run moved on to its
 * next activity (its next workflow task ran, on a sticky queue or after the dead one's timed out).
 */
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Lab } from '../../lab';
import { sleep } from '../../lab/processes';
import { START_PATHS } from '../../src/api/routes/start';
import type { RunKind } from '../../src/client';
import { call, TOKEN, waitForStatus } from './api';
import {
  describeWorkflowTaskTimeouts,
  failoverOf,
  type WorkflowTaskTimeout,
} from './failover';
import {
  PROD_API,
  type ProductionStack,
  type WorkerProcess,
} from './productionStack';

const STARTED =
  temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/**
 * Starts `body` (a ticket's request: the cluster's name, what to change, the ticket) through the
 * API as alice, once the lab's profile is in the workers' folder; the run's handle.
 */
export async function startThroughApi(
  stack: ProductionStack,
  lab: Lab,
  kind: RunKind,
  body: Record<string, unknown>,
): Promise<WorkflowHandle> {
  lab.writeProfile(stack.profilesDir);
  const r = await call('POST', START_PATHS[kind], {
    base: PROD_API,
    token: TOKEN,
    body,
  });
  assert.equal(r.status, 201, r.text);
  return stack.client.workflow.getHandle(r.json.workflowId);
}

/** The run's end as the stack's API reports it: its result, or a failure that fails the test. */
export async function completedThroughApi<R = unknown>(id: string): Promise<R> {
  const done = await waitForStatus(
    id,
    (s) => s.status !== 'RUNNING',
    'completion',
    300_000,
    500,
    PROD_API,
  );
  assert.equal(done.status, 'COMPLETED', JSON.stringify(done).slice(0, 2000));
  assert.equal(done.progress.phase, 'done');
  return done.result as R;
}

/** The worker identity that holds the run's started activity `type` (waits up to `timeoutMs` for it). */
export async function holderOf(
  handle: WorkflowHandle,
  type: string,
  timeoutMs = 10_000,
): Promise<string> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    const { raw } = await handle.describe();
    const a = (raw.pendingActivities ?? []).find(
      (p) => p.activityType?.name === type && p.state === STARTED,
    );
    if (a?.lastWorkerIdentity) return a.lastWorkerIdentity;
    await sleep(100);
  }
  throw new Error(`no worker holds ${type} of ${handle.workflowId}`);
}

export interface Kill {
  /** The activity the victim was running. */
  activity: string;
  victim: WorkerProcess;
  /** The workers still running at the kill (one of them takes the run over). */
  others: WorkerProcess[];
  killedAt: number;
}

const running = (w: WorkerProcess) =>
  w.process.exitCode === null && w.process.signalCode === null;

/** SIGKILLs the worker that runs the activity `type` of the run now. */
export async function killHolderOf(
  stack: ProductionStack,
  handle: WorkflowHandle,
  type: string,
): Promise<Kill> {
  const holder = await holderOf(handle, type);
  const victim = stack.workers.find((w) => w.identity === holder);
  assert.ok(victim, `the holder ${holder} of ${type} is one of the workers`);
  const others = stack.workers.filter((w) => w !== victim && running(w));
  assert.ok(others.length, 'another worker is running');
  victim.process.kill('SIGKILL');
  return { activity: type, victim, others, killedAt: Date.now() };
}

export interface Failover {
  /** ms from the kill to the start of the attempt that completed the killed activity. */
  retryStartedMs: number;
  /** ms from the kill to the start of the first activity scheduled after it: the run moving on. */
  movedOnMs: number;
  /** The next activity, the one that moved the run on. */
  nextActivity: string;
  /** The attempt that completed the killed activity (2 or more: the killed one came first). */
  attempts: number;
  /** The worker whose attempt completed it, as the history's ActivityTaskStarted event names it. */
  completedBy: string;
  /** Workflow tasks that timed out after the kill (failover.ts). */
  workflowTaskTimeouts: WorkflowTaskTimeout[];
}

/**
 * Waits until the killed activity completed and the run's next activity started, and returns the
 * times from the kill, read from the run's history (failover.ts, the one reading of them).
 */
export async function failoverAfter(
  handle: WorkflowHandle,
  kill: Kill,
): Promise<Failover> {
  const f = await failoverOf(handle, kill.killedAt, kill.activity);
  return {
    retryStartedMs: f.retry.ms,
    movedOnMs: f.next.ms,
    nextActivity: f.next.activity,
    attempts: f.retry.attempt,
    completedBy: f.retry.worker,
    workflowTaskTimeouts: f.workflowTaskTimeouts,
  };
}

/** The kill and the times after it, for a file's summary line. */
export function failoverLine(kill: Kill, f: Failover): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const by = kill.others.find((w) => w.identity === f.completedBy);
  return `${kill.victim.name} SIGKILLed in ${kill.activity}; its retry (attempt ${f.attempts}) started ${s(f.retryStartedMs)} after the kill on ${by?.name ?? f.completedBy}, the run moved on (${f.nextActivity} started) ${s(f.movedOnMs)} after the kill; ${describeWorkflowTaskTimeouts(f.workflowTaskTimeouts)}`;
}
