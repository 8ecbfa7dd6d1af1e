/** The bench's arithmetic and its table: medians, ratios, one line per case. Pure. */

export const median = (xs: number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export const seconds = (ms: number): string =>
  Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a';

export interface CaseResult {
  name: string;
  bareMs: number[];
  workflowMs: number[];
  /** Per member added: catch-up done -> promoted (ms). */
  promoteLagMs: number[];
  historyEventsPerMember: number[];
  failures: string[];
}

/** One line per case: medians and the workflow's time as a multiple of the bare script's. */
export function caseLine(c: CaseResult): string {
  const bare = median(c.bareMs);
  const wf = median(c.workflowMs);
  const ratio =
    bare > 0 && Number.isFinite(wf) ? (wf / bare).toFixed(2) : 'n/a';
  return [
    c.name.padEnd(22),
    `bare ${seconds(bare).padStart(8)}`,
    `workflow ${seconds(wf).padStart(8)}`,
    `ratio ${ratio.padStart(5)}`,
    // Runs that promote within the catch-up (issue 23) have no promoteMember step: no lag to measure.
    c.promoteLagMs.length
      ? `promote lag ${seconds(median(c.promoteLagMs))}`
      : 'promoted in the catch-up',
    `events/member ${Number.isFinite(median(c.historyEventsPerMember)) ? median(c.historyEventsPerMember).toFixed(0) : 'n/a'}`,
    `(n=${c.bareMs.length}/${c.workflowMs.length}${c.failures.length ? `, ${c.failures.length} failed` : ''})`,
  ].join('  ');
}
