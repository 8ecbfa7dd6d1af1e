/**
 * One run of any membership type (scale-out, scale-in, replacement): GET its status, POST .../cancel
 * (its requester or an approver, ../runOwner.ts; an optional `reason` kept in the history), GET .../audit.
 */
import type { FastifyInstance } from 'fastify';
import { buildAuditReport, renderAuditMarkdown } from '../../audit';
import {
  cancelReasonProblem,
  describeScaleOut,
  requestCancellation,
  runStatus,
  runSummary,
} from '../../client';
import { identityOf } from '../auth';
import { type ApiContext, failureJson, summaryJson } from '../context';
import { badRequest } from '../errors';
import { mayCancel } from '../runOwner';

/** How long GET status waits for the progress query. */
const QUERY_DEADLINE_MS = 10_000;
const AUDIT_FORMATS = ['json', 'markdown'];

type ById = { Params: { workflowId: string } };

/** The cancel's optional body: `{ "reason": "..." }`; no body at all is no reason. */
function cancelReason(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body))
    throw badRequest('invalid cancellation', [
      { field: '(request)', message: 'must be a JSON object' },
    ]);
  const { reason, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length)
    throw badRequest('invalid cancellation', [
      {
        field: '(request)',
        message: `unknown field(s): ${unknown.join(', ')}`,
      },
    ]);
  if (reason === undefined) return undefined;
  const problem = cancelReasonProblem(reason);
  if (problem)
    throw badRequest('invalid cancellation', [
      { field: 'reason', message: problem },
    ]);
  return reason as string;
}

export function runRoutes(app: FastifyInstance, { client }: ApiContext): void {
  app.get<ById>('/v1/scaleouts/:workflowId', async (request) => {
    const { d } = await describeScaleOut(client, request.params.workflowId);
    const { progress, progressError, result, failure } = await runStatus(
      client,
      d,
      QUERY_DEADLINE_MS,
    );
    return {
      ...summaryJson(runSummary(d)),
      historyLength: d.historyLength,
      ...(progress ? { progress } : { progressError }),
      ...(result ? { result } : {}),
      ...(failure ? { failure: failureJson(failure) } : {}),
    };
  });

  app.post<ById>('/v1/scaleouts/:workflowId/cancel', async (request, reply) => {
    const identity = identityOf(request);
    const reason = cancelReason(request.body);
    const run = await describeScaleOut(client, request.params.workflowId);
    const { d } = run;
    mayCancel(d, identity);
    // Who cancelled lands in the history (the cancel-requested event) and so in the audit.
    await requestCancellation(client, run, {
      identity: `${identity.name} (etcd-scaleout API)`,
      reason: `cancelled by ${identity.name} through the HTTP API${reason ? `: ${reason}` : ''}`,
    });
    request.log.info(
      { workflowId: d.workflowId, runId: d.runId, by: identity.name },
      'cancellation requested',
    );
    return reply.code(202).send({
      workflowId: d.workflowId,
      runId: d.runId,
      status: 'cancel-requested',
    });
  });

  app.get<ById & { Querystring: { format?: string } }>(
    '/v1/scaleouts/:workflowId/audit',
    async (request, reply) => {
      const format = request.query.format ?? 'json';
      if (!AUDIT_FORMATS.includes(format))
        throw badRequest('invalid query', [
          { field: 'format', message: 'must be "json" or "markdown"' },
        ]);
      const { d } = await describeScaleOut(client, request.params.workflowId);
      const report = await buildAuditReport(client, d.workflowId, d.runId);
      if (format === 'markdown')
        return reply
          .type('text/markdown; charset=utf-8')
          .send(renderAuditMarkdown(report));
      return report;
    },
  );
}
