/**
 * Runs are tied to who started them. Through the API the requester is the token's identity, never
 * what a body says: `ticket.requestedBy` is set from the token (a body naming someone else is refused
 * with 403 naming the field, like a decision's `by`). The run's RequestedBy search attribute then
 * says whose it is, and that decides two things:
 *
 * - cancel: the run's requester, or an identity with the approver role (who may stop any run, as
 *   they may reject any), and nobody else;
 * - a ticket id already used by another identity's run cannot be taken over: a repeated start by
 *   the same requester stays idempotent, anyone else gets 409 naming only the workflow id (which
 *   derives from the cluster and ticket they sent), not the other run's request or requester.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { runLabels } from '../client';
import { HttpError } from './errors';
import type { Identity } from './tokens';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The body with `ticket.requestedBy` set to the caller; 403 naming the field when it names another.
 * A body without a ticket object is left as it is, for validation to refuse.
 */
export function requestedByCaller(body: unknown, identity: Identity): unknown {
  if (!isObject(body) || !isObject(body.ticket)) return body;
  const ticket = body.ticket;
  const asserted = ticket.requestedBy;
  if (asserted !== undefined && asserted !== identity.name)
    throw new HttpError(
      403,
      `ticket.requestedBy: a run is requested by the token's identity ${identity.name}, not ${JSON.stringify(asserted)} (leave it out: the API sets it)`,
      {
        identity: identity.name,
        fields: [
          {
            field: 'ticket.requestedBy',
            message: `must be the token's identity ${identity.name} (or left out)`,
          },
        ],
      },
    );
  return { ...body, ticket: { ...ticket, requestedBy: identity.name } };
}

/** Whose run it is: its RequestedBy search attribute (empty for runs started without one). */
export const requesterOf = (
  d: WorkflowExecutionDescription,
): string | undefined => runLabels(d.typedSearchAttributes).requestedBy;

/** 409 when the ticket's run was requested by someone else (a run without a requester is nobody's to take over). */
export function mustBeOwnTicket(
  d: WorkflowExecutionDescription,
  identity: Identity,
): void {
  if (requesterOf(d) === identity.name) return;
  throw ticketTaken(d.workflowId);
}

/** The refusal of a ticket that another identity's run holds: the workflow id only. */
export const ticketTaken = (workflowId: string): HttpError =>
  new HttpError(
    409,
    `${workflowId}: this cluster and ticket already have a run that another identity requested (or that was started outside the API); a ticket's run belongs to its requester: use a ticket of your own`,
    { workflowId },
  );

/** 403 unless the caller requested the run or has the approver role. */
export function mayCancel(
  d: WorkflowExecutionDescription,
  identity: Identity,
): void {
  if (identity.roles.includes('approver')) return;
  if (requesterOf(d) === identity.name) return;
  throw new HttpError(
    403,
    `${identity.name} may not cancel ${d.workflowId}: only the identity that requested the run, or one with the approver role, may`,
    { identity: identity.name, needs: 'approver' },
  );
}
