/**
 * Where a workflow run's time went, from its audit report (the history as operators read it): each
 * activity's span (scheduled -> closed, the attempts it took) and what no activity covered (workflow
 * tasks, gaps between steps). Pure.
 */
import type { AuditReport } from '../../src/audit';
import { type ProtoTimestamp, timestampMs } from '../../src/client/timestamps';

export interface ActivitySpan {
  type: string;
  /** ms from the run's start. */
  start: number;
  end: number;
  attempts: number;
  /** ms from scheduled to the last attempt's start: the task's dispatch, plus retries' backoff. */
  waited: number;
}

/** The run's activities, in the order they were scheduled (end NaN while one is open). */
export function activitySpans(
  report: Pick<AuditReport, 'startedAt' | 'activities'>,
): ActivitySpan[] {
  const t0 = Date.parse(report.startedAt);
  const ms = (iso: string | undefined) =>
    iso ? Date.parse(iso) - t0 : Number.NaN;
  return report.activities.map((a) => ({
    type: a.name,
    start: ms(a.scheduledAt),
    end: ms(a.closedAt),
    attempts: a.attempts,
    waited: a.startedAt ? ms(a.startedAt) - ms(a.scheduledAt) : 0,
  }));
}

/** ms of the run covered by no activity (workflow tasks, timers, the gaps between steps). */
export function uncovered(spans: ActivitySpan[], totalMs: number): number {
  const sorted = spans
    .filter((s) => Number.isFinite(s.end))
    .sort((a, b) => a.start - b.start);
  let covered = 0;
  let reach = 0;
  for (const s of sorted) {
    const from = Math.max(s.start, reach);
    if (s.end > from) covered += s.end - from;
    reach = Math.max(reach, s.end);
  }
  return Math.max(0, totalMs - covered);
}

/**
 * "inspectCluster 0.04 s in 2" lines: per activity type, its summed time in the run and its attempts;
 * where its activities ran at once (the new nodes' probes, the members' env files), also the wall
 * time they covered together.
 */
export function timelineLines(spans: ActivitySpan[], totalMs: number): string {
  const sum = new Map<
    string,
    { ms: number; n: number; attempts: number; waited: number }
  >();
  for (const s of spans) {
    const v = sum.get(s.type) ?? { ms: 0, n: 0, attempts: 0, waited: 0 };
    v.ms += Number.isFinite(s.end) ? s.end - s.start : 0;
    v.n += 1;
    v.attempts += s.attempts;
    v.waited += s.waited;
    sum.set(s.type, v);
  }
  const wall = (type: string) => {
    const mine = spans.filter((x) => x.type === type);
    return totalMs - uncovered(mine, totalMs);
  };
  return [
    ...[...sum.entries()].map(([type, v]) => {
      const w = wall(type);
      const together = w < v.ms - 5 ? `, ${(w / 1000).toFixed(2)} s wall` : '';
      return `  ${type.padEnd(24)} ${(v.ms / 1000).toFixed(2)} s in ${v.n}${together} (attempts ${v.attempts}, ${(v.waited / 1000).toFixed(2)} s before the last attempt started)`;
    }),
    `  ${'(no activity running)'.padEnd(24)} ${(uncovered(spans, totalMs) / 1000).toFixed(2)} s`,
  ].join('\n');
}

/**
 * The run as a sequence, one line per activity in the order scheduled: "+0.412 -> +0.486 addLearner",
 * so the gaps between steps (workflow tasks, hand-offs) and what ran at once can be read off.
 */
export function sequenceLines(spans: ActivitySpan[], totalMs: number): string {
  const at = (ms: number) =>
    Number.isFinite(ms) ? `+${(ms / 1000).toFixed(3)}` : '  open';
  return [
    ...spans.map(
      (s) =>
        `  ${at(s.start)} -> ${at(s.end)}  ${s.type}${s.attempts > 1 ? ` (${s.attempts} attempts)` : ''}`,
    ),
    `  ${at(totalMs)}           result`,
  ].join('\n');
}

/** The run's workflow tasks: how many, and their summed time from scheduled to started and started to completed. */
export interface WorkflowTaskTimes {
  count: number;
  waitMs: number;
  runMs: number;
}

type HistoryEvent = {
  eventTime?: ProtoTimestamp | null;
  workflowTaskScheduledEventAttributes?: unknown;
  workflowTaskStartedEventAttributes?: unknown;
  workflowTaskCompletedEventAttributes?: unknown;
};

/** From a run's history events (in order): each workflow task's wait for a worker and its run there. */
export function workflowTaskTimes(events: HistoryEvent[]): WorkflowTaskTimes {
  const ms = (e: HistoryEvent) => (e.eventTime ? timestampMs(e.eventTime) : 0);
  const out = { count: 0, waitMs: 0, runMs: 0 };
  let scheduled: number | undefined;
  let started: number | undefined;
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes) scheduled = ms(e);
    else if (e.workflowTaskStartedEventAttributes && scheduled !== undefined) {
      started = ms(e);
      out.waitMs += started - scheduled;
    } else if (
      e.workflowTaskCompletedEventAttributes &&
      started !== undefined
    ) {
      out.count += 1;
      out.runMs += ms(e) - started;
      scheduled = started = undefined;
    }
  }
  return out;
}

export const workflowTaskLine = (t: WorkflowTaskTimes): string =>
  `  ${'(workflow tasks)'.padEnd(24)} ${t.count}: ${(t.waitMs / 1000).toFixed(2)} s waiting for the worker, ${(t.runMs / 1000).toFixed(2)} s from started to completed`;
