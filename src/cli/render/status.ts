/** A run's status as text: one labelled row per fact, the members as a table. */
import type { RunStatus, RunSummary } from '../../client';
import type { ApprovalState } from '../../workflows/run/messages';
import { resultRows } from './result';

/** What `status` shows (and prints as JSON with --json). */
export type StatusView = RunSummary & Omit<RunStatus, 'progressUnreachable'>;

export function approvalLine(a: ApprovalState, workflowId: string): string {
  switch (a.state) {
    case 'not-required':
      return 'not required';
    case 'pending':
      return 'required (not reached yet: after the canary, before the first removal or the point of no return)';
    case 'waiting':
      return `WAITING since ${a.waitingSince}, deadline ${a.deadline}; decide with: etcd-scaleout approve|reject ${workflowId} --by NAME [--reason TEXT]`;
    default:
      return `${a.state}${a.decidedBy ? ` by ${a.decidedBy} at ${a.decidedAt}` : ''}${a.reason ? ` (${a.reason})` : ''}`;
  }
}

function progressRows(
  v: StatusView,
  row: (k: string, val: string | undefined) => void,
  out: string[],
): void {
  const p = v.progress;
  if (!p) {
    if (v.progressError) row('progress', `unavailable: ${v.progressError}`);
    return;
  }
  row('approval', approvalLine(p.approval, v.workflowId));
  if (p.members.length) {
    out.push('members');
    for (const m of p.members) {
      out.push(
        `  ${m.name.padEnd(12)} ${m.stage.padEnd(6)} ${m.state.padEnd(12)} ${m.peerURL}${m.id ? `  id ${m.id}` : ''}${m.quarantined ? `  (stale data dir moved to ${m.quarantined})` : ''}`,
      );
    }
  }
  if (p.backup)
    row(
      'backup',
      `${p.backup.path} (revision ${p.backup.revision}, sha256 ${p.backup.sha256.slice(0, 16)}..., from ${p.backup.member})`,
    );
  if (p.undone.length) row('undone', p.undone.join('; '));
  if (p.error && !v.failure) row('error', p.error);
}

export function renderStatus(v: StatusView): string {
  const out: string[] = [];
  const row = (k: string, val: string | undefined) =>
    val !== undefined && val !== '' && out.push(`${k.padEnd(10)} ${val}`);
  const p = v.progress;
  row('workflow', `${v.workflowId} (run ${v.runId})`);
  row('type', v.workflowType);
  row('status', v.status);
  row('cluster', v.cluster);
  row(
    'ticket',
    v.ticket
      ? `${v.ticket}${v.requestedBy ? `, requested by ${v.requestedBy}` : ''}`
      : undefined,
  );
  row('phase', `${v.phase ?? 'unknown'}${p?.step ? ` (${p.step})` : ''}`);
  if (p?.from !== undefined) row('size', `${p.from} -> ${p.to} voting members`);
  row('started', v.startTime);
  row('closed', v.closeTime);
  progressRows(v, row, out);
  if (v.result) resultRows(v.result, row, out);
  if (v.failure)
    row(
      'failure',
      `${v.failure.type ? `${v.failure.type}: ` : ''}${v.failure.message}`,
    );
  return out.join('\n');
}
