/**
 * POST /v1/scaleouts/{id}/approve and /reject: the workflow's `decide` update, made by the caller's
 * identity (the token's, see ../tokens.ts): the body's `by` must name that identity, never someone else.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  DecisionRefusedError,
  describeScaleOut,
  mustBeRunning,
  sendDecision,
} from '../../client';
import { type Decision, decisionProblem } from '../../domain/run/decision';
import { identityOf, needsRole } from '../auth';
import type { ApiContext } from '../context';
import { badRequest, HttpError, zodFields } from '../errors';
import type { Identity } from '../tokens';

/** The body's shape; what a valid decision is, is decided by decisionProblem (one check for all). */
const DecisionBody = z
  .object({
    by: z
      .string({
        error: (i) =>
          i.input === undefined
            ? "is required: who decides (the token's identity)"
            : 'must be a string',
      })
      .trim(),
    reason: z.string({ error: 'must be a string' }).optional(),
  })
  .strict();

function decisionFrom(
  body: unknown,
  approve: boolean,
  identity: Identity,
): Decision {
  const parsed = DecisionBody.safeParse(body ?? {});
  if (!parsed.success)
    throw badRequest('invalid decision', zodFields(parsed.error));
  const { by, reason } = parsed.data;
  if (by !== identity.name) {
    throw new HttpError(
      403,
      `by: a decision is made by the token's identity ${identity.name}, not ${JSON.stringify(by)}`,
      { identity: identity.name },
    );
  }
  const decision: Decision = {
    approve,
    by: identity.name,
    ...(reason ? { reason } : {}),
  };
  const problem = decisionProblem(decision);
  if (problem) {
    // decisionProblem says `field: message`.
    const m = /^(\w+): (.*)$/s.exec(problem);
    throw badRequest('invalid decision', [
      m
        ? { field: m[1], message: m[2] }
        : { field: '(body)', message: problem },
    ]);
  }
  return decision;
}

export function decisionRoutes(
  app: FastifyInstance,
  { client }: ApiContext,
): void {
  for (const approve of [true, false]) {
    app.post<{ Params: { workflowId: string } }>(
      `/v1/scaleouts/:workflowId/${approve ? 'approve' : 'reject'}`,
      { config: needsRole('approver') },
      async (request) => {
        const { d } = await describeScaleOut(client, request.params.workflowId);
        const decision = decisionFrom(
          request.body,
          approve,
          identityOf(request),
        );
        mustBeRunning(d, approve ? 'approve' : 'reject');
        try {
          const approval = await sendDecision(
            client,
            d.workflowId,
            d.runId,
            decision,
          );
          request.log.info(
            { workflowId: d.workflowId, approve, by: decision.by },
            'decision accepted',
          );
          return { workflowId: d.workflowId, approve, approval };
        } catch (err) {
          // The workflow's validator refused it (unknown approver, no decision awaited), or the run closed meanwhile.
          if (err instanceof DecisionRefusedError)
            throw new HttpError(409, err.reason);
          if (err instanceof WorkflowNotFoundError)
            throw new HttpError(
              409,
              `${d.workflowId} closed: no decision is awaited`,
            );
          throw err;
        }
      },
    );
  }
}
