/**
 * Starting runs, one route per kind: POST /v1/scaleouts (a scale-out), POST /v1/scaleins (a
 * scale-in: removeMembers) and POST /v1/replacements (a replacement: replaceMember and its one new
 * member). The route says what is to be done, not the body: a body that lost its replaceMember is a
 * 400 naming it, never another kind of change. Each route validates, then starts the ticket's run,
 * requested by the token's identity (../runOwner.ts); 200 for the same ticket and request again by
 * the same requester, 409 for a ticket whose run another identity requested, 409 for the same
 * ticket with another request (naming the fields that differ), 409 when another run of any kind is
 * in progress on the cluster (see ../clusterGuard.ts).
 */
import type { FastifyInstance } from 'fastify';
import {
  checkSameRequest,
  describeOrUndefined,
  RequestConflictError,
  RUN_KIND,
  type RunKind,
  type RunKindSpec,
  runKindOfType,
  type Started,
  startRun,
} from '../../client';
import type { FieldError } from '../../domain/request/request';
import { workflowIdFor } from '../../domain/run/runNames';
import { identityOf, needsRole } from '../auth';
import { findRunningScaleOut } from '../clusterGuard';
import type { ApiContext } from '../context';
import { badRequest, HttpError } from '../errors';
import { mustBeOwnTicket, requestedByCaller, ticketTaken } from '../runOwner';

/** The route that starts each kind; every run is then read under /v1/scaleouts/{workflowId}. */
export const START_PATHS: Record<RunKind, string> = {
  scaleout: '/v1/scaleouts',
  scalein: '/v1/scaleins',
  replace: '/v1/replacements',
};

const TICKET_REQUIRED =
  "is required by the API: the run's workflow id derives from cluster.name and ticket.id (one run per ticket)";

/** The request's problems, plus the API's own rule: a ticket id (the idempotency key). */
function requestProblems(spec: RunKindSpec, raw: unknown) {
  const v = spec.check(raw);
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
  if (!v.ok || fields.length)
    throw badRequest(`invalid ${spec.noun} request`, fields);
  return v.request;
}

/**
 * Starts the run; another process started the ticket's run meanwhile: a request that differs in
 * its requester is that other identity's ticket (409 without the other run's details).
 */
async function startOwnRun(
  client: ApiContext['client'],
  raw: unknown,
  options: { workflowId: string; taskQueue: string; kind: RunKind },
): Promise<Started> {
  try {
    return await startRun(client, raw, options);
  } catch (err) {
    if (
      err instanceof RequestConflictError &&
      err.fields.includes('ticket.requestedBy')
    )
      throw ticketTaken(options.workflowId);
    throw err;
  }
}

function startRouteOf(
  app: FastifyInstance,
  { client, taskQueue, guard }: ApiContext,
  spec: RunKindSpec,
): void {
  app.post(
    START_PATHS[spec.kind],
    { config: needsRole('requester') },
    async (request, reply) => {
      const identity = identityOf(request);
      // The requester is the token's identity (see ../runOwner.ts), before validation: four eyes needs it.
      const raw = requestedByCaller(request.body, identity);
      const req = requestProblems(spec, raw);
      const workflowId = workflowIdFor(req, Date.now(), spec.kind);
      const cluster = req.cluster.name;
      const url = `/v1/scaleouts/${encodeURIComponent(workflowId)}`;
      const answer = (code: 200 | 201, runId: string, status: string) =>
        reply.code(code).send({
          workflowId,
          runId,
          workflowType: spec.workflowType,
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
          await checkSameRequest(
            client,
            workflowId,
            existing.runId,
            raw,
            spec.kind,
          );
          return answer(200, existing.runId, existing.status.name);
        }
        const other = await findRunningScaleOut(
          client,
          guard,
          cluster,
          workflowId,
        );
        if (other) {
          const kind = runKindOfType(other.workflowType);
          throw new HttpError(
            409,
            `cluster ${cluster} already has a running ${kind ? RUN_KIND[kind].noun : other.workflowType}: ${other.workflowId} (run ${other.runId}${other.ticket ? `, ticket ${other.ticket}` : ''}); one membership change at a time: wait for it to end or cancel it`,
            { running: other },
          );
        }
        const started = await startOwnRun(client, raw, {
          workflowId,
          taskQueue,
          kind: spec.kind,
        });
        guard.remember(cluster, workflowId);
        const d = await started.handle.describe();
        if (started.alreadyStarted) {
          mustBeOwnTicket(d, identity);
          return answer(200, d.runId, d.status.name);
        }
        request.log.info(
          { workflowId, runId: d.runId, cluster, by: identity.name },
          `${spec.noun} started`,
        );
        reply.header('location', url);
        return answer(201, d.runId, d.status.name);
      });
    },
  );
}

export function startRoutes(app: FastifyInstance, ctx: ApiContext): void {
  for (const spec of Object.values(RUN_KIND)) startRouteOf(app, ctx, spec);
}
