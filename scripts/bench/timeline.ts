/**
 * Where a workflow run's time went, from its history: each activity's span (scheduled -> closed, the
 * attempts it took) and what no activity covered (workflow tasks, gaps between steps). Pure.
 */
import type { WorkflowHandle } from '@temporalio/client';

type Event = NonNullable<
  Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']
>[number];

export interface ActivitySpan {
  type: string;
  /** ms from the run's first event. */
  start: number;
  end: number;
  attempts: number;
  /** ms from scheduled to the last attempt's start: the task's dispatch, plus retries' backoff. */
  waited: number;
}

const at = (e: Event): number =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** The activities of one history, in the order they were scheduled. */
export function activitySpans(events: Event[]): ActivitySpan[] {
  if (events.length === 0) return [];
  const t0 = at(events[0]);
  const byId = new Map<string, ActivitySpan>();
  const closedBy = (
    attrs: { scheduledEventId?: unknown } | null | undefined,
  ) => (attrs ? byId.get(String(attrs.scheduledEventId)) : undefined);
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      byId.set(String(e.eventId), {
        type: s.activityType?.name ?? '?',
        start: at(e) - t0,
        end: Number.NaN,
        attempts: 0,
        waited: 0,
      });
      continue;
    }
    const started = closedBy(e.activityTaskStartedEventAttributes);
    if (started) {
      started.attempts = e.activityTaskStartedEventAttributes?.attempt ?? 1;
      started.waited = at(e) - t0 - started.start;
    }
    const closed =
      closedBy(e.activityTaskCompletedEventAttributes) ??
      closedBy(e.activityTaskFailedEventAttributes) ??
      closedBy(e.activityTaskTimedOutEventAttributes);
    if (closed) closed.end = at(e) - t0;
  }
  return [...byId.values()];
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

/** "preflight inspectCluster 0.04 s" lines: per activity type, its summed time in the run and its attempts. */
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
  return [
    ...[...sum.entries()].map(
      ([type, v]) =>
        `  ${type.padEnd(24)} ${(v.ms / 1000).toFixed(2)} s in ${v.n} (attempts ${v.attempts}, ${(v.waited / 1000).toFixed(2)} s before the last attempt started)`,
    ),
    `  ${'(no activity running)'.padEnd(24)} ${(uncovered(spans, totalMs) / 1000).toFixed(2)} s`,
  ].join('\n');
}
