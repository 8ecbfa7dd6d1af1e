/** Runs as an aligned table. */
import type { RunSummary } from '../../client';

const COLUMNS: Array<[keyof RunSummary, string]> = [
  ['workflowId', 'WORKFLOW ID'],
  ['status', 'STATUS'],
  ['phase', 'PHASE'],
  ['cluster', 'CLUSTER'],
  ['ticket', 'TICKET'],
  ['requestedBy', 'REQUESTED BY'],
  ['startTime', 'STARTED'],
  ['closeTime', 'CLOSED'],
  ['workflowType', 'TYPE'],
];

export function renderRunTable(runs: RunSummary[]): string {
  const cells = (r: RunSummary) => COLUMNS.map(([key]) => r[key] ?? '');
  const head = COLUMNS.map(([, title]) => title);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...runs.map((r) => cells(r)[i].length)),
  );
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), ...runs.map((r) => line(cells(r)))].join('\n');
}
