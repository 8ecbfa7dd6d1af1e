/**
 * POST /v1/scaleouts: validate, then start the ticket's run, requested by the token's identity
 * (../runOwner.ts); 200 for the same ticket and request again by the same requester, 409 for a
 * ticket whose run another identity requested, 409 for the same ticket with another request (naming
 * the fields that differ), 409 when another ticket's run is in progress on the cluster (see
 * ../clusterGuard.ts).
 */
import type { FastifyInstance } from 'fastify';
import {
  checkSameRequest,
  describeOrUndefined,
  RequestConflictError,
  type Started,
  startScaleOut,
} from '../../client';
import type { FieldError } from '../../domain/request';
import { workflowIdFor } from '../../domain/runNames';
import { validateSubmittedRequest } from '../../domain/submittedRequest';
import { identityOf, needsRole } from '../auth';
import { findRunningScaleOut } from '../clusterGuard';
import type { ApiContext } from '../context';
import { badRequest, HttpError } from '../errors';
import { mustBeOwnTicket, requestedByCaller, ticketTaken } from '../runOwner';

const TICKET_REQUIRED =
  "is required by the API: the run's workflow id derives from cluster.name and ticket.id (one run per ticket)";

/** The request's problems, plus the API's own rule: a ticket id (the idempotency key). */
function requestProblems(raw: unknown) {
  const v = validateSubmittedRequest(raw);
  const fields: FieldError[] = v.ok ? [] : [...v.errors];
  const ticketId = (raw as { ticket?: { id?: unknown } } | undefined)?.ticket
    ?.id;
  if (
    ticketId === undefined &&
    !fields.some(
      (f) =>
        f.field === 'ticket' ||
        f.field === 'ticket.id' ||
        f.field === '(request)',
    )
  ) {
    fields.push({ field: 'ticket.id', message: TICKET_REQUIRED });
  }
  if (!v.ok || fields.length) throw badRequest('invalid request', fields);
  return v.request;
}

/**
 * Starts the run; another process started the ticket's run meanwhile: a request that differs in
 * its requester is that other identity's ticket (409 without the other run's details).
 */
async function startOwnRun(
  client: ApiContext['client'],
  raw: unknown,
  workflowId: string,
  taskQueue: string,
): Promise<Started> {
  try {
    return await startScaleOut(client, raw, { workflowId, taskQueue });
  } catch (err) {
    if (
      err instanceof RequestConflictError &&
      err.fields.includes('ticket.requestedBy')
    )
      throw ticketTaken(workflowId);
    throw err;
  }
}

export function startRoute(
  app: FastifyInstance,
  { client, taskQueue, guard }: ApiContext,
): void {
  app.post(
    '/v1/scaleouts',
    { config: needsRole('requester') },
    async (request, reply) => {
      const identity = identityOf(request);
      // The requester is the token's identity (see ../runOwner.ts), before validation: four eyes needs it.
      const raw = requestedByCaller(request.body, identity);
      const req = requestProblems(raw);
      const workflowId = workflowIdFor(req);
      const cluster = req.cluster.name;
      const url = `/v1/scaleouts/${encodeURIComponent(workflowId)}`;
      const answer = (code: 200 | 201, runId: string, status: string) =>
        reply.code(code).send({
          workflowId,
          runId,
          alreadyStarted: code === 200,
          status,
          url,
        });

      return guard.exclusive(cluster, async () => {
        const existing = await describeOrUndefined(client, workflowId);
        if (existing) mustBeOwnTicket(existing, identity);
        if (
          existing &&
          (existing.status.name === 'RUNNING' ||
            existing.status.name === 'COMPLETED')
        ) {
          await checkSameRequest(client, workflowId, existing.runId, raw);
          return answer(200, existing.runId, existing.status.name);
        }
        const other = await findRunningScaleOut(
          client,
          guard,
          cluster,
          workflowId,
        );
        if (other) {
          throw new HttpError(
            409,
            `cluster ${cluster} already has a running scale-out: ${other.workflowId} (run ${other.runId}${other.ticket ? `, ticket ${other.ticket}` : ''}); wait for it to end or cancel it`,
            { running: other },
          );
        }
        const started = await startOwnRun(client, raw, workflowId, taskQueue);
        guard.remember(cluster, workflowId);
        const d = await started.handle.describe();
        if (started.alreadyStarted) {
          mustBeOwnTicket(d, identity);
          return answer(200, d.runId, d.status.name);
        }
        request.log.info(
          { workflowId, runId: d.runId, cluster, by: identity.name },
          'scale-out started',
        );
        reply.header('location', url);
        return answer(201, d.runId, d.status.name);
      });
    },
  );
}
