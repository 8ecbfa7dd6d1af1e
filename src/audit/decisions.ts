/**
 * Decisions at the approval gate: accepted `decide` updates (the validator's refusals never reach
 * the history) and the `approve`/`reject` signals, judged the way the workflow judges them.
 */
import { decisionProblem } from '../domain/run/decision';
import {
  approveSignal,
  decideUpdate,
  type Phase,
  rejectSignal,
} from '../workflows/run/messages';
import {
  currentPhase,
  type EventHandler,
  type EventHandlers,
} from './recording';

/** The only phase in which the workflow takes a decision. */
const APPROVAL_PHASE: Phase = 'approval';

type DecisionPayload = { approve?: unknown; by?: unknown; reason?: unknown };

const byAndReason = (d: DecisionPayload) => ({
  ...(typeof d.by === 'string' ? { by: d.by } : {}),
  ...(typeof d.reason === 'string' && d.reason ? { reason: d.reason } : {}),
});

const updateAccepted: EventHandler<
  'workflowExecutionUpdateAcceptedEventAttributes'
> = async (rec, { acceptedRequest: request }, { at, dec }) => {
  if (!request?.input || request.input.name !== decideUpdate.name) return;
  const d = ((await dec.first(request.input.args)) ?? {}) as DecisionPayload;
  rec.approvals.push({
    via: 'update',
    decision: d.approve === true ? 'approve' : 'reject',
    ...byAndReason(d),
    at,
    ...(request.meta?.identity ? { identity: request.meta.identity } : {}),
    status: 'accepted',
    phase: currentPhase(rec),
    ...(request.meta?.updateId ? { updateId: request.meta.updateId } : {}),
  });
};

const signalled: EventHandler<
  'workflowExecutionSignaledEventAttributes'
> = async (rec, a, { at, dec }) => {
  if (a.signalName !== approveSignal.name && a.signalName !== rejectSignal.name)
    return;
  const d = ((await dec.first(a.input)) ?? {}) as DecisionPayload;
  const phase = currentPhase(rec);
  // The workflow applies the same checks as the update's validator and ignores (logs) what fails them.
  const approvers = Array.isArray(rec.request.strategy?.approvers)
    ? rec.request.strategy.approvers
    : undefined;
  const requester =
    rec.request.strategy?.fourEyes === true &&
    typeof rec.request.ticket?.requestedBy === 'string'
      ? rec.request.ticket.requestedBy
      : undefined;
  let note = decisionProblem(d, approvers, requester);
  if (!note && phase !== APPROVAL_PHASE)
    note = `no decision is awaited: the run was in phase ${phase ?? 'unknown'}`;
  rec.approvals.push({
    via: 'signal',
    decision: a.signalName === approveSignal.name ? 'approve' : 'reject',
    ...byAndReason(d),
    at,
    ...(a.identity ? { identity: a.identity } : {}),
    status: note ? 'ignored' : 'accepted',
    ...(note ? { note } : {}),
    phase,
  });
};

export const decisionHandlers: EventHandlers = {
  workflowExecutionUpdateAcceptedEventAttributes: updateAccepted,
  workflowExecutionSignaledEventAttributes: signalled,
};
