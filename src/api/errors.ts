/**
 * HTTP errors: thrown by the handlers as HttpError (or raised by the Temporal client), rendered
 * here as one JSON shape `{ error, ...facts }`; bad input is 400 with `fields`.
 */
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  GrpcStatus,
  grpcCode,
  isUnreachable,
  NotAScaleOutError,
  RequestConflictError,
  RunEndedError,
  TemporalRefusedError,
} from '../client';
import type { FieldError } from '../domain/request/request';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** 400 naming every bad field; `what` says what was bad ("invalid request", "invalid query", ...). */
export const badRequest = (what: string, fields: FieldError[]) =>
  new HttpError(
    400,
    `${what}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
    { fields },
  );

export function zodFields(error: z.ZodError, whole = '(body)'): FieldError[] {
  return error.issues.map((i) => {
    const field = i.path.map(String).join('.') || whole;
    if (i.code === 'unrecognized_keys')
      return { field, message: `unknown field(s): ${i.keys.join(', ')}` };
    return { field, message: i.message };
  });
}

/** JSON bodies only (anything else is 415), parsed here so that a syntax error names its position. */
function acceptJsonOnly(app: FastifyInstance): void {
  const whole = (message: string) => [{ field: '(request)', message }];
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (_req, body, done) => {
      const text = String(body);
      if (text.trim() === '')
        return done(
          new HttpError(400, 'the body is empty; send a JSON object', {
            fields: whole('must be a JSON object'),
          }),
          undefined,
        );
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        const reason = (err as Error).message;
        done(
          new HttpError(400, `the body is not valid JSON: ${reason}`, {
            fields: whole(`is not valid JSON: ${reason}`),
          }),
          undefined,
        );
      }
    },
  );
}

function temporalErrorReply(
  err: Error,
): { status: number; body: Record<string, unknown> } | undefined {
  if (err instanceof WorkflowNotFoundError)
    return { status: 404, body: { error: `no scale-out ${err.workflowId}` } };
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
    return {
      status: 504,
      body: {
        error: 'the workflow did not answer in time (is a worker running?)',
      },
    };
  if (err instanceof NotAScaleOutError)
    return { status: 404, body: { error: err.message } };
  if (err instanceof RunEndedError)
    return { status: 409, body: { error: err.message, status: err.status } };
  if (isUnreachable(err))
    return {
      status: grpcCode(err) === GrpcStatus.DEADLINE_EXCEEDED ? 504 : 503,
      body: { error: `Temporal is not reachable: ${err.message}` },
    };
  if (err instanceof TemporalRefusedError)
    return {
      status: 502,
      body: {
        error: err.message,
        reason: err.reason,
        ...(err.hint ? { hint: err.hint } : {}),
      },
    };
  if (isGrpcServiceError(err) || err instanceof ServiceError)
    return {
      status: 502,
      body: { error: `Temporal refused the call: ${err.message}` },
    };
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  acceptJsonOnly(app);
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error: `no route ${request.method} ${request.url.split('?')[0]}`,
    });
  });
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (err instanceof HttpError)
      return reply
        .code(err.statusCode)
        .send({ error: err.message, ...err.extra });
    if (err instanceof RequestConflictError)
      return reply.code(409).send({
        error: err.message,
        workflowId: err.workflowId,
        runId: err.runId,
        differences: err.fields,
      });
    const temporal = temporalErrorReply(err);
    if (temporal) {
      if (temporal.status === 502)
        request.log.error({ err }, 'Temporal call failed');
      return reply.code(temporal.status).send(temporal.body);
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      // Fastify's own client errors (415, 413, ...).
      return reply.code(status).send({
        error: err.message,
        ...(status === 400
          ? { fields: [{ field: '(request)', message: err.message }] }
          : {}),
      });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal error' });
  });
}
