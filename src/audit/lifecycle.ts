/** The run's own events: phase upserts, cancel requests, and how it closed. */
import { ScaleOutPhase } from '../workflows/searchAttributes';
import { enterPhase, type EventContext, type EventHandler, type EventHandlers, type Recording } from './recording';
import type { AuditReport, RunStatus } from './types';

const searchAttributesUpserted: EventHandler = (rec, { event, at, dec }) => {
  const sa = dec.searchAttributes(event.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes?.indexedFields);
  Object.assign(rec.searchAttributes, sa);
  if (ScaleOutPhase.name in sa) enterPhase(rec, sa[ScaleOutPhase.name], at);
};

const cancelRequested: EventHandler = (rec, { event, at }) => {
  const a = event.workflowExecutionCancelRequestedEventAttributes!;
  rec.cancelRequests.push({ at, ...(a.identity ? { identity: a.identity } : {}), ...(a.cause ? { cause: a.cause } : {}) });
};

type Outcome = Omit<AuditReport['outcome'], 'status' | 'at'>;

/** A close event: the run's final status, and what the event says about it. */
function closedAs(status: RunStatus, outcomeOf: (ctx: EventContext) => Promise<Outcome> | Outcome): EventHandler {
  return async (rec: Recording, ctx) => {
    rec.status = status;
    rec.closedAt = ctx.at;
    rec.outcome = { status, at: ctx.at, ...(await outcomeOf(ctx)) };
  };
}

export const lifecycleHandlers: EventHandlers = {
  upsertWorkflowSearchAttributesEventAttributes: searchAttributesUpserted,
  workflowExecutionCancelRequestedEventAttributes: cancelRequested,
  workflowExecutionCompletedEventAttributes: closedAs('COMPLETED', async ({ event, dec }) => ({ result: await dec.first(event.workflowExecutionCompletedEventAttributes!.result) })),
  workflowExecutionFailedEventAttributes: closedAs('FAILED', async ({ event, dec }) => ({ failure: await dec.failure(event.workflowExecutionFailedEventAttributes!.failure) })),
  workflowExecutionCanceledEventAttributes: closedAs('CANCELLED', async ({ event, dec }) => ({
    failure: { message: 'the run was cancelled', type: 'CancelledFailure', details: await dec.args(event.workflowExecutionCanceledEventAttributes!.details) },
  })),
  workflowExecutionTerminatedEventAttributes: closedAs('TERMINATED', ({ event }) => {
    const t = event.workflowExecutionTerminatedEventAttributes!;
    return { failure: { message: `terminated: ${t.reason || '(no reason given)'}`, type: 'TerminatedFailure' }, ...(t.identity ? { terminatedBy: t.identity } : {}) };
  }),
  workflowExecutionTimedOutEventAttributes: closedAs('TIMED_OUT', () => ({ failure: { message: 'the run timed out (workflow execution timeout)', type: 'TimeoutFailure' } })),
  workflowExecutionContinuedAsNewEventAttributes: closedAs('CONTINUED_AS_NEW', ({ event }) => ({
    result: { continuedAsNew: event.workflowExecutionContinuedAsNewEventAttributes!.newExecutionRunId },
  })),
};
