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
import { call, TOKEN } from './api';
import { auditOf } from './history';
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
  /** ms from the kill to the first activity completed after it. */
  progressMs: number;
  /** ms from the kill to the next activity scheduled after the retried one (undefined: the run ended with it). */
  movedOnMs?: number;
  /** Attempts of the killed activity, the killed one included. */
  attempts: number;
  /** The worker whose attempt completed it, as the history's ActivityTaskStarted event names it. */
  completedBy: string;
}

/** Who started each attempt of `type` that the history keeps (the last attempt of each activity). */
async function startedBy(
  handle: WorkflowHandle,
  type: string,
): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  const scheduled = new Map<string, string>();
  const identities: string[] = [];
  for (const e of events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const st = e.activityTaskStartedEventAttributes;
    if (st && scheduled.get(String(st.scheduledEventId)) === type)
      identities.push(st.identity ?? '');
  }
  return identities;
}

/**
 * Waits until the killed activity completed and the run moved on (or ended), and returns the times
 * from the kill, read from the run's history through the audit report.
 */
export async function failoverAfter(
  handle: WorkflowHandle,
  kill: Kill,
  timeoutMs = 180_000,
): Promise<Failover> {
  const since = (iso: string) => Date.parse(iso) - kill.killedAt;
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    const report = await auditOf(handle);
    const { activities } = report;
    const killed = activities
      .filter((a) => a.name === kill.activity && since(a.scheduledAt) <= 0)
      .at(-1);
    if (killed?.outcome === 'completed' && killed.closedAt) {
      const closedAt = killed.closedAt;
      const next = activities.find(
        (a) =>
          a !== killed && Date.parse(a.scheduledAt) >= Date.parse(closedAt),
      );
      if (next || report.status !== 'RUNNING') {
        const completed = activities
          .filter((a) => a.outcome === 'completed' && a.closedAt)
          .map((a) => since(a.closedAt as string))
          .filter((ms) => ms > 0);
        return {
          retryStartedMs: since(killed.startedAt ?? closedAt),
          progressMs: Math.min(...completed),
          movedOnMs: next ? since(next.scheduledAt) : undefined,
          attempts: killed.attempts,
          completedBy: (await startedBy(handle, kill.activity)).at(-1) ?? '',
        };
      }
    }
    await sleep(250);
  }
  throw new Error(
    `${kill.activity} of ${handle.workflowId} did not complete within ${timeoutMs / 1000}s of the kill`,
  );
}

/** The kill and the times after it, for a file's summary line. */
export function failoverLine(kill: Kill, f: Failover): string {
  const s = (ms?: number) =>
    ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)}s`;
  const by = kill.others.find((w) => w.identity === f.completedBy);
  return `${kill.victim.name} SIGKILLed in ${kill.activity}; its retry started ${s(f.retryStartedMs)} after the kill on ${by?.name ?? f.completedBy}, first progress ${s(f.progressMs)}, the run moved on ${s(f.movedOnMs)} after the kill`;
}
