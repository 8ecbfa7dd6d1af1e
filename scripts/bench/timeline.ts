/**
 * Where a workflow run's time went, from its audit report (the history as operators read it): each
 * activity's span (scheduled -> closed, the attempts it took) and what no activity covered (workflow
 * tasks, gaps between steps). Pure.
 */
import type { AuditReport } from '../../src/audit';

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
