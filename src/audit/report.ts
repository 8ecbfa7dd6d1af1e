/**
 * The audit report of one run, built from its Temporal event history alone.
 *
 * Only the history is read (no query, no describe): the report works for completed, failed, cancelled,
 * terminated and running runs, and when no worker is running. Payloads are decoded with the client's
 * data converter (codecs included), so an encrypting codec on the client is honoured.
 *
 * What the history cannot show is said so: rejected `decide` updates are not written to the history
 * by Temporal, and a running run's current attempt of an activity is only recorded when it ends.
 */
import { ActivityFailure, ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure, WorkflowNotFoundError, type LoadedDataConverter } from '@temporalio/common';
import { decisionProblem } from '../domain/decision';
import { decodeArrayFromPayloads, decodeOptionalFailureToOptionalError, decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { BackupRecord } from '../activities/backup';
import { EtcdCluster, RequestedBy, ScaleOutPhase, TicketId } from '../workflows/searchAttributes';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type ProtoFailure = temporal.api.failure.v1.IFailure;
type Payloads = temporal.api.common.v1.IPayloads;

export type RunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'TIMED_OUT' | 'CONTINUED_AS_NEW';

export interface AuditFailure {
  message: string;
  /** ApplicationFailure type (e.g. ScaleOutFailed, ServiceStartFailed) or the failure class. */
  type?: string;
  nonRetryable?: boolean;
  /** Decoded ApplicationFailure details. */
  details?: unknown[];
  /** The cause chain below this failure, outermost first, as `type: message`. */
  causes?: string[];
}

export interface AuditPhase {
  phase: string;
  at: string;
  /** When the next phase began (absent for the current/last phase). */
  until?: string;
  durationMs?: number;
}

export type ActivityOutcome = 'completed' | 'failed' | 'timed-out' | 'cancelled' | 'pending';

export interface AuditActivity {
  activityId: string;
  name: string;
  /** The phase summary the workflow gave the activity (user metadata), e.g. "canary etcd4". */
  summary?: string;
  scheduledAt: string;
  /** Start of the last attempt. */
  startedAt?: string;
  closedAt?: string;
  durationMs?: number;
  /** Attempts made (1 when it succeeded first time; unknown attempts of a pending activity count as 0). */
  attempts: number;
  outcome: ActivityOutcome;
  failure?: AuditFailure;
  /** The failure of the attempt before the last one, when there were retries. */
  lastRetryFailure?: string;
}

export interface AuditDecision {
  via: 'update' | 'signal';
  decision: 'approve' | 'reject';
  by?: string;
  reason?: string;
  at: string;
  /** The client identity that sent it (Temporal records it; it is not authenticated by this service). */
  identity?: string;
  /** update: accepted by the validator (rejected ones are not in the history); signal: judged like the validator would. */
  status: 'accepted' | 'ignored';
  /** Why a signal was ignored. */
  note?: string;
  /** The phase the run was in when the decision arrived. */
  phase?: string;
  updateId?: string;
}

export interface AuditMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
  healthy?: boolean;
}

export interface AuditReport {
  /** Format version of this report. */
  format: 'etcd-scaleout-audit/1';
  generatedAt: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue?: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
  durationMs?: number;
  historyLength: number;
  /** The client identity that started the run, as Temporal recorded it. */
  startedBy?: string;
  cluster?: string;
  ticket: { id?: string; requestedBy?: string };
  /** Search attributes as of the last event (EtcdCluster, TicketId, RequestedBy, ScaleOutPhase...). */
  searchAttributes: Record<string, unknown>;
  /** The request as the run received it (it holds file paths only, never key material). */
  input: unknown;
  phases: AuditPhase[];
  activities: AuditActivity[];
  approvals: AuditDecision[];
  /** The approval gate as the run reported it in its result, when it completed. */
  approvalGate?: unknown;
  cancelRequests: { at: string; identity?: string; cause?: string }[];
  /** Activities run to undo changes (summary "rollback ..."). */
  compensations: AuditActivity[];
  /** What the workflow says it undid and could not undo (from its failure details). */
  rollback?: { failedStep?: string; cause?: string; undone: string[]; notUndone: string[] };
  backup?: BackupRecord;
  membersBefore?: AuditMember[];
  membersAfter?: AuditMember[];
  outcome: { status: RunStatus; at?: string; result?: unknown; failure?: AuditFailure; terminatedBy?: string };
}

// ---------------------------------------------------------------------------------------------------

const longToNumber = (v: unknown): number => (v == null ? 0 : typeof v === 'number' ? v : Number(String(v)));

function iso(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string {
  if (!ts) return new Date(0).toISOString();
  return new Date(longToNumber(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

const msBetween = (a?: string, b?: string): number | undefined => (a && b ? Date.parse(b) - Date.parse(a) : undefined);

function failureType(err: Error): string | undefined {
  if (err instanceof ApplicationFailure) return err.type ?? 'ApplicationFailure';
  if (err instanceof TimeoutFailure) return `TimeoutFailure(${err.timeoutType})`;
  if (err instanceof CancelledFailure) return 'CancelledFailure';
  if (err instanceof TerminatedFailure) return 'TerminatedFailure';
  if (err instanceof ActivityFailure) return 'ActivityFailure';
  return err.name;
}

function describeFailure(err: Error | undefined): AuditFailure | undefined {
  if (!err) return undefined;
  const causes: string[] = [];
  let c: unknown = (err as { cause?: unknown }).cause;
  while (c instanceof Error && causes.length < 10) {
    const t = failureType(c);
    causes.push(c instanceof ActivityFailure ? `ActivityFailure: ${c.activityType} (${c.activityId}) ${c.retryState ? `retry state ${c.retryState}` : ''}`.trim() : `${t ? `${t}: ` : ''}${c.message}`);
    c = (c as { cause?: unknown }).cause;
  }
  return {
    message: err.message,
    type: failureType(err),
    ...(err instanceof ApplicationFailure ? { nonRetryable: !!err.nonRetryable, ...(err.details?.length ? { details: err.details as unknown[] } : {}) } : {}),
    ...(causes.length ? { causes } : {}),
  };
}

/** The innermost cause's `type: message`, the way operators want to read it. */
function rootMessage(f: AuditFailure | undefined): string | undefined {
  if (!f) return undefined;
  return f.causes?.length ? f.causes[f.causes.length - 1] : `${f.type ? `${f.type}: ` : ''}${f.message}`;
}

const asMember = (m: Record<string, unknown>): AuditMember => ({
  id: String(m.id ?? ''),
  name: String(m.name ?? ''),
  peerURLs: (m.peerURLs as string[]) ?? [],
  clientURLs: (m.clientURLs as string[]) ?? [],
  isLearner: !!m.isLearner,
  ...(typeof m.healthy === 'boolean' ? { healthy: m.healthy } : {}),
});

// ---------------------------------------------------------------------------------------------------

class Decoder {
  constructor(private readonly dc: LoadedDataConverter) {}

  async args(p: Payloads | null | undefined): Promise<unknown[]> {
    return p?.payloads?.length ? decodeArrayFromPayloads(this.dc, p.payloads as never) : [];
  }

  async first(p: Payloads | null | undefined): Promise<unknown> {
    return (await this.args(p))[0];
  }

  async single(p: temporal.api.common.v1.IPayload | null | undefined): Promise<unknown> {
    try {
      return (await decodeOptionalSinglePayload(this.dc, p as never)) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async failure(f: ProtoFailure | null | undefined): Promise<AuditFailure | undefined> {
    if (!f) return undefined;
    return describeFailure(await decodeOptionalFailureToOptionalError(this.dc, f as never));
  }

  /** Search attribute payloads hold a value or a one-element list (older encoding). */
  async searchAttributes(fields: Record<string, temporal.api.common.v1.IPayload> | null | undefined): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(fields ?? {})) {
      let v: unknown;
      try {
        v = this.dc.payloadConverter.fromPayload(p as never);
      } catch {
        continue;
      }
      out[k] = Array.isArray(v) && v.length === 1 ? v[0] : v;
    }
    return out;
  }
}

const CLOSE_STATUS: Array<[keyof HistoryEvent, RunStatus]> = [
  ['workflowExecutionCompletedEventAttributes', 'COMPLETED'],
  ['workflowExecutionFailedEventAttributes', 'FAILED'],
  ['workflowExecutionCanceledEventAttributes', 'CANCELLED'],
  ['workflowExecutionTerminatedEventAttributes', 'TERMINATED'],
  ['workflowExecutionTimedOutEventAttributes', 'TIMED_OUT'],
  ['workflowExecutionContinuedAsNewEventAttributes', 'CONTINUED_AS_NEW'],
];

/**
 * Reads the run's history and builds its audit report. Without runId: the latest run of the ID.
 * Throws WorkflowNotFoundError for an unknown workflow or run.
 */
export async function buildAuditReport(client: Client, workflowId: string, runId?: string): Promise<AuditReport> {
  let events: HistoryEvent[];
  try {
    events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  } catch (err) {
    if ((err as { code?: number }).code === 5 /* NOT_FOUND */) {
      throw new WorkflowNotFoundError(`workflow ${workflowId}${runId ? ` run ${runId}` : ''} not found in namespace ${client.options.namespace}`, workflowId, runId);
    }
    throw err;
  }
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new WorkflowNotFoundError(`workflow ${workflowId}: its history has no start event`, workflowId, runId);
  return reportFromEvents(new Decoder(client.options.loadedDataConverter), workflowId, runId, events);
}

async function reportFromEvents(dec: Decoder, workflowId: string, runIdArg: string | undefined, events: HistoryEvent[]): Promise<AuditReport> {
  const first = events[0];
  const started = first.workflowExecutionStartedEventAttributes!;
  const startedAt = iso(first.eventTime);
  const input = await dec.first(started.input);
  const request = (input && typeof input === 'object' ? input : {}) as { cluster?: { name?: string }; ticket?: { id?: string; requestedBy?: string }; strategy?: { approvers?: string[] } };
  const searchAttributes = await dec.searchAttributes(started.searchAttributes?.indexedFields);

  const phases: AuditPhase[] = [];
  const enterPhase = (phase: unknown, at: string) => {
    if (typeof phase !== 'string' || !phase) return;
    const last = phases[phases.length - 1];
    if (last?.phase === phase) return;
    if (last) {
      last.until = at;
      last.durationMs = msBetween(last.at, at);
    }
    phases.push({ phase, at });
  };
  enterPhase(searchAttributes[ScaleOutPhase.name], startedAt);

  const byScheduledId = new Map<number, AuditActivity & { result?: unknown }>();
  const approvals: AuditDecision[] = [];
  const cancelRequests: AuditReport['cancelRequests'] = [];
  const approvers = Array.isArray(request.strategy?.approvers) ? request.strategy!.approvers : undefined;
  let status: RunStatus = 'RUNNING';
  let closedAt: string | undefined;
  const outcome: AuditReport['outcome'] = { status: 'RUNNING' };

  for (const e of events) {
    const at = iso(e.eventTime);
    const id = longToNumber(e.eventId);
    if (e.upsertWorkflowSearchAttributesEventAttributes) {
      const sa = await dec.searchAttributes(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields);
      Object.assign(searchAttributes, sa);
      if (ScaleOutPhase.name in sa) enterPhase(sa[ScaleOutPhase.name], at);
    } else if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      const summary = await dec.single(e.userMetadata?.summary);
      const act: AuditActivity = {
        activityId: a.activityId ?? String(id),
        name: a.activityType?.name ?? '?',
        ...(typeof summary === 'string' ? { summary } : {}),
        scheduledAt: at,
        attempts: 0,
        outcome: 'pending',
      };
      byScheduledId.set(id, act);
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      const act = byScheduledId.get(longToNumber(a.scheduledEventId));
      if (act) {
        act.startedAt = at;
        act.attempts = a.attempt ?? 1;
        if (a.lastFailure) act.lastRetryFailure = rootMessage(await dec.failure(a.lastFailure));
      }
    } else if (e.activityTaskCompletedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes;
      const act = byScheduledId.get(longToNumber(a.scheduledEventId));
      if (act) {
        act.outcome = 'completed';
        act.closedAt = at;
        act.result = await dec.first(a.result);
      }
    } else if (e.activityTaskFailedEventAttributes) {
      const a = e.activityTaskFailedEventAttributes;
      const act = byScheduledId.get(longToNumber(a.scheduledEventId));
      if (act) {
        act.outcome = 'failed';
        act.closedAt = at;
        act.failure = await dec.failure(a.failure);
      }
    } else if (e.activityTaskTimedOutEventAttributes) {
      const a = e.activityTaskTimedOutEventAttributes;
      const act = byScheduledId.get(longToNumber(a.scheduledEventId));
      if (act) {
        act.outcome = 'timed-out';
        act.closedAt = at;
        act.failure = await dec.failure(a.failure);
      }
    } else if (e.activityTaskCanceledEventAttributes) {
      const a = e.activityTaskCanceledEventAttributes;
      const act = byScheduledId.get(longToNumber(a.scheduledEventId));
      if (act) {
        act.outcome = 'cancelled';
        act.closedAt = at;
      }
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const a = e.workflowExecutionUpdateAcceptedEventAttributes;
      if (a.acceptedRequest?.input?.name !== 'decide') continue;
      const d = ((await dec.first(a.acceptedRequest.input.args)) ?? {}) as { approve?: unknown; by?: unknown; reason?: unknown };
      approvals.push({
        via: 'update',
        decision: d.approve === true ? 'approve' : 'reject',
        ...(typeof d.by === 'string' ? { by: d.by } : {}),
        ...(typeof d.reason === 'string' && d.reason ? { reason: d.reason } : {}),
        at,
        ...(a.acceptedRequest.meta?.identity ? { identity: a.acceptedRequest.meta.identity } : {}),
        status: 'accepted',
        phase: phases[phases.length - 1]?.phase,
        ...(a.acceptedRequest.meta?.updateId ? { updateId: a.acceptedRequest.meta.updateId } : {}),
      });
    } else if (e.workflowExecutionSignaledEventAttributes) {
      const a = e.workflowExecutionSignaledEventAttributes;
      if (a.signalName !== 'approve' && a.signalName !== 'reject') continue;
      const d = ((await dec.first(a.input)) ?? {}) as { by?: unknown; reason?: unknown };
      const phase = phases[phases.length - 1]?.phase;
      // The workflow applies the same checks as the update's validator and ignores (logs) what fails them.
      let note = decisionProblem(d, approvers);
      if (!note && phase !== 'approval') note = `no decision is awaited: the run was in phase ${phase ?? 'unknown'}`;
      approvals.push({
        via: 'signal',
        decision: a.signalName,
        ...(typeof d.by === 'string' ? { by: d.by } : {}),
        ...(typeof d.reason === 'string' && d.reason ? { reason: d.reason } : {}),
        at,
        ...(a.identity ? { identity: a.identity } : {}),
        status: note ? 'ignored' : 'accepted',
        ...(note ? { note } : {}),
        phase,
      });
    } else if (e.workflowExecutionCancelRequestedEventAttributes) {
      const a = e.workflowExecutionCancelRequestedEventAttributes;
      cancelRequests.push({ at, ...(a.identity ? { identity: a.identity } : {}), ...(a.cause ? { cause: a.cause } : {}) });
    } else {
      for (const [key, s] of CLOSE_STATUS) {
        if (!e[key]) continue;
        status = s;
        closedAt = at;
        outcome.status = s;
        outcome.at = at;
        if (e.workflowExecutionCompletedEventAttributes) outcome.result = await dec.first(e.workflowExecutionCompletedEventAttributes.result);
        if (e.workflowExecutionFailedEventAttributes) outcome.failure = await dec.failure(e.workflowExecutionFailedEventAttributes.failure);
        if (e.workflowExecutionCanceledEventAttributes) outcome.failure = { message: 'the run was cancelled', type: 'CancelledFailure', details: await dec.args(e.workflowExecutionCanceledEventAttributes.details) };
        if (e.workflowExecutionTerminatedEventAttributes) {
          const t = e.workflowExecutionTerminatedEventAttributes;
          outcome.failure = { message: `terminated: ${t.reason || '(no reason given)'}`, type: 'TerminatedFailure' };
          if (t.identity) outcome.terminatedBy = t.identity;
        }
        if (e.workflowExecutionTimedOutEventAttributes) outcome.failure = { message: 'the run timed out (workflow execution timeout)', type: 'TimeoutFailure' };
        if (e.workflowExecutionContinuedAsNewEventAttributes) outcome.result = { continuedAsNew: e.workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId };
      }
    }
  }

  const all = [...byScheduledId.values()].map((a) => {
    a.durationMs = msBetween(a.scheduledAt, a.closedAt);
    return a;
  });
  const resultOf = (a: AuditActivity) => (a as { result?: unknown }).result;
  const strip = (a: AuditActivity): AuditActivity => {
    const { result: _result, ...rest } = a as AuditActivity & { result?: unknown };
    return rest;
  };

  const result = (outcome.result && typeof outcome.result === 'object' ? outcome.result : undefined) as
    | { membersBefore?: Record<string, unknown>[]; membersAfter?: Record<string, unknown>[]; backup?: BackupRecord; approval?: unknown }
    | undefined;
  const inspections = all.filter((a) => a.name === 'inspectCluster' && a.outcome === 'completed');
  const membersOf = (a?: AuditActivity) => ((resultOf(a ?? ({} as AuditActivity)) as { members?: Record<string, unknown>[] } | undefined)?.members ?? undefined)?.map(asMember);
  const membersBefore = result?.membersBefore?.map(asMember) ?? membersOf(inspections.find((a) => a.summary === 'preflight') ?? inspections[0]);
  const membersAfter = result?.membersAfter?.map(asMember) ?? membersOf(inspections.find((a) => a.summary === 'result'));
  const snapshot = all.find((a) => a.name === 'takeSnapshot' && a.outcome === 'completed');
  const backup = result?.backup ?? (resultOf(snapshot ?? ({} as AuditActivity)) as BackupRecord | undefined);

  const details = outcome.failure?.details?.[0] as { failedStep?: string; cause?: string; undone?: string[]; notUndone?: string[] } | undefined;
  const rollback =
    details && (Array.isArray(details.undone) || Array.isArray(details.notUndone))
      ? { failedStep: details.failedStep, cause: details.cause, undone: details.undone ?? [], notUndone: details.notUndone ?? [] }
      : undefined;

  const activitiesOut = all.map(strip);
  const last = phases[phases.length - 1];
  if (last && closedAt && !last.until) last.durationMs = msBetween(last.at, closedAt);

  return {
    format: 'etcd-scaleout-audit/1',
    generatedAt: new Date().toISOString(),
    workflowId,
    runId: runIdArg ?? started.originalExecutionRunId ?? '',
    workflowType: started.workflowType?.name ?? '',
    ...(started.taskQueue?.name ? { taskQueue: started.taskQueue.name } : {}),
    status,
    startedAt,
    ...(closedAt ? { closedAt, durationMs: msBetween(startedAt, closedAt) } : {}),
    historyLength: events.length,
    ...(started.identity ? { startedBy: started.identity } : {}),
    cluster: request.cluster?.name ?? (searchAttributes[EtcdCluster.name] as string | undefined),
    ticket: {
      id: request.ticket?.id ?? ((searchAttributes[TicketId.name] as string | undefined) || undefined),
      requestedBy: request.ticket?.requestedBy ?? ((searchAttributes[RequestedBy.name] as string | undefined) || undefined),
    },
    searchAttributes,
    input,
    phases,
    activities: activitiesOut,
    approvals,
    ...(result?.approval ? { approvalGate: result.approval } : {}),
    cancelRequests,
    compensations: activitiesOut.filter((a) => a.summary?.startsWith('rollback')),
    ...(rollback ? { rollback } : {}),
    ...(backup ? { backup } : {}),
    ...(membersBefore ? { membersBefore } : {}),
    ...(membersAfter ? { membersAfter } : {}),
    outcome,
  };
}

// ---------------------------------------------------------------------------------------------------
// Markdown: for a ticket or a change record.

const cell = (v: unknown): string => (v === undefined || v === null || v === '' ? '' : String(v).replace(/\|/g, '\\|').replace(/\r?\n/g, ' '));
const code = (text: string): string => {
  const fence = text.includes('```') ? '~~~~' : '```';
  return `${fence}\n${text}\n${fence}`;
};
/** The first line, at most 300 characters. */
const brief = (text: string): string => {
  const line = text.split('\n')[0];
  return line.length > 300 ? `${line.slice(0, 300)}...` : line === text ? line : `${line} ...`;
};
const ms = (n?: number): string => (n === undefined ? '' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);

function memberTable(members: AuditMember[]): string[] {
  const rows = ['| name | id | peer URLs | client URLs | role |', '| --- | --- | --- | --- | --- |'];
  for (const m of members) rows.push(`| ${cell(m.name || '(unstarted)')} | ${cell(m.id)} | ${cell(m.peerURLs.join(', '))} | ${cell(m.clientURLs.join(', '))} | ${m.isLearner ? 'learner' : 'voter'} |`);
  return rows;
}

export function renderAuditMarkdown(report: AuditReport): string {
  const r = report;
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);
  push(`# Audit: etcd scale-out ${r.workflowId}`, '');
  push(`| | |`, `| --- | --- |`);
  push(`| workflow | ${cell(r.workflowId)} |`, `| run | ${cell(r.runId)} |`, `| type | ${cell(r.workflowType)} |`, `| status | **${r.status}** |`);
  push(`| cluster | ${cell(r.cluster)} |`, `| ticket | ${cell(r.ticket.id ?? '(none)')} |`, `| requested by | ${cell(r.ticket.requestedBy ?? '(not given)')} |`);
  push(`| started | ${r.startedAt} |`);
  if (r.startedBy) push(`| started by (client identity) | ${cell(r.startedBy)} |`);
  if (r.closedAt) push(`| closed | ${r.closedAt} (${ms(r.durationMs)}) |`);
  push(`| history events | ${r.historyLength} |`, `| report generated | ${r.generatedAt} |`, '');

  push('## Outcome', '');
  if (r.status === 'RUNNING') push(`Still running, in phase **${cell(r.phases[r.phases.length - 1]?.phase ?? 'unknown')}**.`);
  else if (r.outcome.failure) {
    push(`**${r.status}**${r.outcome.failure.type ? ` (${r.outcome.failure.type})` : ''} at ${r.outcome.at}${r.outcome.terminatedBy ? `, by ${cell(r.outcome.terminatedBy)}` : ''}:`, '', code(r.outcome.failure.message));
    if (r.outcome.failure.causes?.length) push('', 'Caused by (first lines; full text in the activity failures below and in the JSON report):', '', ...r.outcome.failure.causes.map((c) => `- ${cell(brief(c))}`));
  } else {
    const res = r.outcome.result as { from?: number; to?: number; etcdServers?: string[]; warnings?: string[] } | undefined;
    push(`**${r.status}** at ${r.outcome.at}${res?.from !== undefined ? `: ${res.from} -> ${res.to} members` : ''}.`);
    if (res?.etcdServers) push('', `kube-apiserver \`--etcd-servers=${res.etcdServers.join(',')}\``);
    if (res?.warnings?.length) push('', 'Warnings:', '', ...res.warnings.map((w) => `- ${cell(w)}`));
  }
  push('');

  push('## Phases', '', '| # | phase | began | lasted |', '| --- | --- | --- | --- |');
  r.phases.forEach((p, i) => push(`| ${i + 1} | ${cell(p.phase)} | ${p.at} | ${ms(p.durationMs)} |`));
  push('');

  push('## Approvals', '');
  if (r.approvalGate) {
    const g = r.approvalGate as { state?: string; decidedBy?: string; decidedAt?: string; reason?: string; required?: boolean };
    push(`Gate: ${g.required ? 'required' : 'not required'}, state **${cell(g.state)}**${g.decidedBy ? `, decided by ${cell(g.decidedBy)} at ${g.decidedAt}` : ''}${g.reason ? ` (${cell(g.reason)})` : ''}.`, '');
  }
  if (!r.approvals.length) push('No decision was sent.');
  else {
    push('| when | decision | by | reason | via | status | client identity |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const a of r.approvals) push(`| ${a.at} | ${a.decision} | ${cell(a.by)} | ${cell(a.reason)} | ${a.via} | ${a.status}${a.note ? `: ${cell(a.note)}` : ''} | ${cell(a.identity)} |`);
  }
  push('', '_Decisions refused by the `decide` update validator are answered to the sender and not recorded in the history._', '');

  if (r.cancelRequests.length) {
    push('## Cancellation requests', '', ...r.cancelRequests.map((c) => `- ${c.at}${c.identity ? ` by ${cell(c.identity)}` : ''}${c.cause ? `: ${cell(c.cause)}` : ''}`), '');
  }

  push('## Backup', '');
  if (r.backup) {
    const b = r.backup;
    push('| | |', '| --- | --- |', `| file (on the worker) | ${cell(b.path)} |`, `| size | ${b.sizeBytes} bytes |`, `| revision | ${cell(b.revision)} |`, `| sha256 | ${cell(b.sha256)} |`, `| from member | ${cell(b.member)} |`, `| taken | ${b.takenAt} |`, `| verified | ${cell(b.verified)} |`);
  } else push('No backup was taken.');
  push('');

  push('## Members', '');
  push('Before:', '', ...(r.membersBefore ? memberTable(r.membersBefore) : ['(not recorded: the run did not read the member list)']), '');
  push('After:', '', ...(r.membersAfter ? memberTable(r.membersAfter) : [r.status === 'RUNNING' ? '(the run has not finished)' : '(not recorded: the run did not reach its result phase)']), '');

  push('## Activities', '', '| # | activity | phase | scheduled | started | closed | took | attempts | outcome |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  r.activities.forEach((a, i) =>
    push(`| ${i + 1} | ${cell(a.name)} | ${cell(a.summary)} | ${a.scheduledAt} | ${a.startedAt ?? ''} | ${a.closedAt ?? ''} | ${ms(a.durationMs)} | ${a.attempts} | ${a.outcome} |`),
  );
  const troubled = r.activities.map((a, i) => ({ a, i })).filter(({ a }) => a.failure || a.lastRetryFailure);
  if (troubled.length) {
    push('', '### Activity failures and retries', '');
    for (const { a, i } of troubled) {
      if (a.failure) push(`${i + 1}. ${a.name} (${cell(a.summary)}) ${a.outcome} after ${a.attempts} attempt(s):`, '', code(rootMessage(a.failure) ?? a.failure.message), '');
      else push(`${i + 1}. ${a.name} (${cell(a.summary)}) succeeded on attempt ${a.attempts}; the attempt before failed with: ${cell(a.lastRetryFailure)}`, '');
    }
  }
  push('');

  push('## Compensations', '');
  if (!r.compensations.length) push(r.status === 'FAILED' || r.status === 'CANCELLED' ? 'No rollback activity ran.' : 'None: nothing was rolled back.');
  else {
    push('| activity | phase | closed | attempts | outcome |', '| --- | --- | --- | --- | --- |');
    for (const a of r.compensations) push(`| ${cell(a.name)} | ${cell(a.summary)} | ${a.closedAt ?? ''} | ${a.attempts} | ${a.outcome}${a.failure ? `: ${cell(rootMessage(a.failure))}` : ''} |`);
  }
  if (r.rollback) {
    push('', `Failed step: ${cell(r.rollback.failedStep)}`, '', 'Undone:', '', ...(r.rollback.undone.length ? r.rollback.undone.map((u) => `- ${cell(u)}`) : ['- nothing']));
    if (r.rollback.notUndone.length) push('', '**NOT undone (needs an operator):**', '', ...r.rollback.notUndone.map((u) => `- ${cell(u)}`));
  }
  push('');

  push('## Request', '', 'As received by the run (file paths only).', '', code(JSON.stringify(r.input, null, 2)), '');
  return out.join('\n');
}
