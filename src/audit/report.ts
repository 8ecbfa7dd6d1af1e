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
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import { GrpcStatus, grpcCode } from '../client/grpc';
import { int64ToNumber } from '../client/timestamps';
import { shownWebhookUrl } from '../domain/notify/webhookUrl';
import {
  EtcdCluster,
  RequestedBy,
  ScaleOutPhase,
  TicketId,
} from '../workflows/run/searchAttributes';
import { activityHandlers } from './activities';
import { decisionHandlers } from './decisions';
import { HistoryDecoder, type HistoryEvent } from './decoder';
import {
  backupOf,
  isCompensation,
  membersOf,
  profileOf,
  rollbackOf,
  runResultOf,
} from './findings';
import { lifecycleHandlers } from './lifecycle';
import {
  type Attributes,
  type EventHandler,
  type EventHandlers,
  type EventKind,
  enterPhase,
  eventTime,
  msBetween,
  type RecordedActivity,
  type Recording,
  type RequestFacts,
} from './recording';
import type { AuditActivity, AuditReport } from './types';

const HANDLERS: EventHandlers = {
  ...lifecycleHandlers,
  ...activityHandlers,
  ...decisionHandlers,
};
const HANDLED = Object.keys(HANDLERS) as EventKind[];

type StartedAttributes = Attributes<'workflowExecutionStartedEventAttributes'>;

/**
 * Reads the run's history and builds its audit report. Without runId: the latest run of the ID.
 * Throws WorkflowNotFoundError for an unknown workflow or run.
 */
export async function buildAuditReport(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<AuditReport> {
  let events: HistoryEvent[];
  try {
    events =
      (await client.workflow.getHandle(workflowId, runId).fetchHistory())
        .events ?? [];
  } catch (err) {
    if (grpcCode(err) === GrpcStatus.NOT_FOUND) {
      throw new WorkflowNotFoundError(
        `workflow ${workflowId}${runId ? ` run ${runId}` : ''} not found in namespace ${client.options.namespace}`,
        workflowId,
        runId,
      );
    }
    throw err;
  }
  return auditReportFromEvents(
    events,
    client.options.loadedDataConverter,
    workflowId,
    runId,
  );
}

/** The report from a run's events (the first one its start event), decoded with `dataConverter`. */
export async function auditReportFromEvents(
  events: HistoryEvent[],
  dataConverter: LoadedDataConverter,
  workflowId: string,
  runId?: string,
): Promise<AuditReport> {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (!started)
    throw new WorkflowNotFoundError(
      `workflow ${workflowId}: its history has no start event`,
      workflowId,
      runId,
    );
  const dec = new HistoryDecoder(dataConverter);
  const rec = await startRecording(started, eventTime(events[0]), dec);
  for (const event of events) await dispatch(rec, event, dec);
  return assemble(workflowId, runId, started, events, rec);
}

/** Hands the event to the handler of its kind (an event has exactly one attributes field). */
async function dispatch(
  rec: Recording,
  event: HistoryEvent,
  dec: HistoryDecoder,
): Promise<void> {
  for (const kind of HANDLED) {
    const attributes = event[kind];
    if (!attributes) continue;
    // The handler registered under `kind` takes that kind's attributes.
    const handler = HANDLERS[kind] as EventHandler<EventKind>;
    await handler(rec, attributes, {
      event,
      at: eventTime(event),
      eventId: int64ToNumber(event.eventId),
      dec,
    });
    return;
  }
}

async function startRecording(
  started: StartedAttributes,
  startedAt: string,
  dec: HistoryDecoder,
): Promise<Recording & { input: unknown }> {
  const input = await dec.first(started.input);
  const rec: Recording & { input: unknown } = {
    input,
    request: (input && typeof input === 'object' ? input : {}) as RequestFacts,
    searchAttributes: dec.searchAttributes(
      started.searchAttributes?.indexedFields,
    ),
    phases: [],
    activities: new Map(),
    approvals: [],
    cancelRequests: [],
    status: 'RUNNING',
    outcome: { status: 'RUNNING' },
  };
  enterPhase(rec, rec.searchAttributes[ScaleOutPhase.name], startedAt);
  return rec;
}

function assemble(
  workflowId: string,
  runId: string | undefined,
  started: StartedAttributes,
  events: HistoryEvent[],
  rec: Recording & { input: unknown },
): AuditReport {
  const startedAt = eventTime(events[0]);
  const recorded = [...rec.activities.values()].map((a) => ({
    ...a,
    durationMs: msBetween(a.scheduledAt, a.closedAt),
  }));
  const activities = recorded.map(withoutResult);
  const result = runResultOf(rec.outcome);
  const rollback = rollbackOf(rec.outcome);
  const backup = backupOf(recorded, result);
  const profile = profileOf(recorded);
  const last = rec.phases[rec.phases.length - 1];
  if (last && rec.closedAt && !last.until)
    last.durationMs = msBetween(last.at, rec.closedAt);
  const sa = rec.searchAttributes;
  return {
    format: 'etcd-scaleout-audit/1',
    generatedAt: new Date().toISOString(),
    workflowId,
    runId: runId ?? started.originalExecutionRunId ?? '',
    workflowType: started.workflowType?.name ?? '',
    ...(started.taskQueue?.name ? { taskQueue: started.taskQueue.name } : {}),
    status: rec.status,
    startedAt,
    ...(rec.closedAt
      ? {
          closedAt: rec.closedAt,
          durationMs: msBetween(startedAt, rec.closedAt),
        }
      : {}),
    historyLength: events.length,
    ...(started.identity ? { startedBy: started.identity } : {}),
    cluster:
      rec.request.cluster?.name ?? (sa[EtcdCluster.name] as string | undefined),
    ticket: {
      id:
        rec.request.ticket?.id ??
        ((sa[TicketId.name] as string | undefined) || undefined),
      requestedBy:
        rec.request.ticket?.requestedBy ??
        ((sa[RequestedBy.name] as string | undefined) || undefined),
    },
    searchAttributes: sa,
    input: withShownWebhook(rec.input),
    ...(profile
      ? {
          profile: profile.profile
            ? {
                ...profile,
                profile: withShownWebhook(
                  profile.profile,
                ) as typeof profile.profile,
              }
            : profile,
        }
      : {}),
    phases: rec.phases,
    activities,
    approvals: rec.approvals,
    ...(result?.approval ? { approvalGate: result.approval } : {}),
    cancelRequests: rec.cancelRequests,
    compensations: activities.filter(isCompensation),
    ...(rollback ? { rollback } : {}),
    ...(backup ? { backup } : {}),
    ...membersOf(recorded, result),
    outcome: rec.outcome,
  };
}

/** The request (or profile) as recorded, with the webhook URL as logs show it (its path may be a capability). */
function withShownWebhook(input: unknown): unknown {
  const url = (input as { notify?: { webhookUrl?: unknown } } | undefined)
    ?.notify?.webhookUrl;
  if (typeof url !== 'string') return input;
  const request = input as { notify: Record<string, unknown> };
  return {
    ...request,
    notify: { ...request.notify, webhookUrl: shownWebhookUrl(url) },
  };
}

function withoutResult(a: RecordedActivity): AuditActivity {
  const { result: _result, ...row } = a;
  return row;
}
