/** The run's own events: phase upserts, cancel requests, and how it closed. */
import { ScaleOutPhase } from '../workflows/run/searchAttributes';
import type { HistoryDecoder } from './decoder';
import {
  type Attributes,
  type EventHandler,
  type EventHandlers,
  type EventKind,
  enterPhase,
} from './recording';
import type { AuditReport, RunStatus } from './types';

const searchAttributesUpserted: EventHandler<
  'upsertWorkflowSearchAttributesEventAttributes'
> = (rec, a, { at, dec }) => {
  const sa = dec.searchAttributes(a.searchAttributes?.indexedFields);
  Object.assign(rec.searchAttributes, sa);
  if (ScaleOutPhase.name in sa) enterPhase(rec, sa[ScaleOutPhase.name], at);
};

const cancelRequested: EventHandler<
  'workflowExecutionCancelRequestedEventAttributes'
> = (rec, a, { at }) => {
  rec.cancelRequests.push({
    at,
    ...(a.identity ? { identity: a.identity } : {}),
    ...(a.cause ? { cause: a.cause } : {}),
  });
};

type Outcome = Omit<AuditReport['outcome'], 'status' | 'at'>;

/** A close event: the run's final status, and what the event says about it. */
function closedAs<K extends EventKind>(
  status: RunStatus,
  outcomeOf: (
    attributes: Attributes<K>,
    dec: HistoryDecoder,
  ) => Promise<Outcome> | Outcome,
): EventHandler<K> {
  return async (rec, attributes, { at, dec }) => {
    rec.status = status;
    rec.closedAt = at;
    rec.outcome = { status, at, ...(await outcomeOf(attributes, dec)) };
  };
}

export const lifecycleHandlers: EventHandlers = {
  upsertWorkflowSearchAttributesEventAttributes: searchAttributesUpserted,
  workflowExecutionCancelRequestedEventAttributes: cancelRequested,
  workflowExecutionCompletedEventAttributes: closedAs(
    'COMPLETED',
    async (a, dec) => ({ result: await dec.first(a.result) }),
  ),
  workflowExecutionFailedEventAttributes: closedAs(
    'FAILED',
    async (a, dec) => ({ failure: await dec.failure(a.failure) }),
  ),
  workflowExecutionCanceledEventAttributes: closedAs(
    'CANCELLED',
    async (a, dec) => ({
      failure: {
        message: 'the run was cancelled',
        type: 'CancelledFailure',
        details: await dec.args(a.details),
      },
    }),
  ),
  workflowExecutionTerminatedEventAttributes: closedAs('TERMINATED', (a) => ({
    failure: {
      message: `terminated: ${a.reason || '(no reason given)'}`,
      type: 'TerminatedFailure',
    },
    ...(a.identity ? { terminatedBy: a.identity } : {}),
  })),
  workflowExecutionTimedOutEventAttributes: closedAs('TIMED_OUT', () => ({
    failure: {
      message: 'the run timed out (workflow execution timeout)',
      type: 'TimeoutFailure',
    },
  })),
  workflowExecutionContinuedAsNewEventAttributes: closedAs(
    'CONTINUED_AS_NEW',
    (a) => ({ result: { continuedAsNew: a.newExecutionRunId } }),
  ),
};
