/** POST /v1/scaleouts/{id}/approve and /reject: the workflow's `decide` update. */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DecisionRefusedError, sendDecision } from '../../client';
import { decisionProblem, type Decision } from '../../domain/decision';
import { describeScaleOut, type ApiContext } from '../context';
import { badRequest, HttpError, zodFields } from '../errors';

/** The body's shape; what a valid decision is, is decided by decisionProblem (one check for all). */
const DecisionBody = z
  .object({
    by: z.string({ error: (i) => (i.input === undefined ? 'is required: who decides' : 'must be a string') }).trim(),
    reason: z.string({ error: 'must be a string' }).optional(),
  })
  .strict();

function decisionFrom(body: unknown, approve: boolean): Decision {
  const parsed = DecisionBody.safeParse(body ?? {});
  if (!parsed.success) throw badRequest('invalid decision', zodFields(parsed.error));
  const decision: Decision = { approve, by: parsed.data.by, ...(parsed.data.reason ? { reason: parsed.data.reason } : {}) };
  const problem = decisionProblem(decision);
  if (problem) {
    // decisionProblem says `field: message`.
    const m = /^(\w+): (.*)$/s.exec(problem);
    throw badRequest('invalid decision', [m ? { field: m[1], message: m[2] } : { field: '(body)', message: problem }]);
  }
  return decision;
}

export function decisionRoutes(app: FastifyInstance, { client }: ApiContext): void {
  for (const approve of [true, false]) {
    app.post<{ Params: { workflowId: string } }>(`/v1/scaleouts/:workflowId/${approve ? 'approve' : 'reject'}`, async (request) => {
      const { d } = await describeScaleOut(client, request.params.workflowId);
      const decision = decisionFrom(request.body, approve);
      if (d.status.name !== 'RUNNING') throw new HttpError(409, `${d.workflowId} is ${d.status.name}: no decision is awaited`);
      try {
        const approval = await sendDecision(client, d.workflowId, d.runId, decision);
        request.log.info({ workflowId: d.workflowId, approve, by: decision.by }, 'decision accepted');
        return { workflowId: d.workflowId, approve, approval };
      } catch (err) {
        // The workflow's validator refused it (unknown approver, no decision awaited), or the run closed meanwhile.
        if (err instanceof DecisionRefusedError) throw new HttpError(409, err.reason);
        if (err instanceof WorkflowNotFoundError) throw new HttpError(409, `${d.workflowId} closed: no decision is awaited`);
        throw err;
      }
    });
  }
}
