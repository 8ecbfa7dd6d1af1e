/**
 * The HTTP API: start, follow, approve/reject, cancel, audit and list scale-outs.
 *
 * A thin layer over the Temporal client: the workflow is the source of truth, the API keeps no state
 * of its own except a short-lived memory of the runs it just started (see `ClusterGuard`). The same
 * validation as every other entry point (src/domain/request.ts) runs before anything is started.
 *
 * Security: every route except GET /healthz needs `Authorization: Bearer <token>`, compared in
 * constant time. The token is never logged or echoed; the workflow input only carries file paths.
 *
 * Run it: API_TOKEN_FILE=/etc/etcd-scaleout/api-token node dist/src/api/server.js
 *   API_PORT (8080), API_HOST (127.0.0.1), API_TOKEN_FILE or API_TOKEN, TEMPORAL_ADDRESS,
 *   TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, LOG_LEVEL (info).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Client,
  isGrpcServiceError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TemporalFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { buildAuditReport, renderAuditMarkdown } from '../audit/report';
import { connectClient, runLabels, scaleOutRunsQuery, startScaleOut, type Started } from '../client';
import { workflowIdFor } from '../domain/runNames';
import { taskQueue as defaultTaskQueue, WORKFLOW_TYPE } from '../config';
import { buildOpenApi, DOCUMENTED_ROUTES } from './openapi';
import { NAME, TICKET, validateRequest, type FieldError, type ScaleOutRequest } from '../domain/request';
import { decideUpdate, progressQuery, type Decision } from '../workflows/messages';
import type { scaleOutEtcd } from '../workflows';

export interface ApiOptions {
  client: Client;
  /** The bearer token clients must present. Never logged. */
  token: string;
  taskQueue?: string;
  /** Fastify logger: false (default) or pino options. Requests are logged without headers or bodies. */
  logger?: boolean | { level: string };
}

const STATUSES = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut', 'ContinuedAsNew'] as const;

/** How long the API remembers a run it started, to cover visibility lag (seconds on a busy server). */
const RECENT_MS = 5 * 60_000;
/** Deadlines for the Temporal calls a request waits on. */
const QUERY_DEADLINE_MS = 10_000;
const UPDATE_DEADLINE_MS = 60_000;

const DecisionBody = z
  .object({
    by: z.string({ error: (i) => (i.input === undefined ? 'is required: who decides' : 'must be a string') }).trim().min(1, 'must name who decides').max(128, 'is too long'),
    reason: z.string({ error: 'must be a string' }).max(2000, 'is too long').optional(),
  })
  .strict();

const ListQuery = z
  .object({
    cluster: z.string().regex(NAME, 'must be a cluster name (1-63 lowercase letters, digits, ".", "_" or "-")').optional(),
    ticket: z.string().regex(TICKET, 'must be a ticket id (1-64 letters, digits or ._:#/-)').optional(),
    status: z.enum(STATUSES, { error: `must be one of ${STATUSES.join(', ')}` }).optional(),
    limit: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be 1-1000').max(1000, 'must be 1-1000').default(100),
  })
  .strict();

/** An HTTP error with a JSON body; thrown by the handlers, rendered by the error handler. */
class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const badRequest = (error: string, fields: FieldError[]) => new HttpError(400, error, { fields });

function zodFields(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    const field = prefix ? (path ? `${prefix}.${path}` : prefix) : path || '(body)';
    if (i.code === 'unrecognized_keys') return { field, message: `unknown field(s): ${i.keys.join(', ')}` };
    return { field, message: i.message };
  });
}

// ---------------------------------------------------------------------------------------------------
// Authentication

/** Constant-time token check: both sides are hashed first, so lengths never differ or leak. */
function tokenMatches(expectedDigest: Buffer, header: string | undefined): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  const given = createHash('sha256')
    .update(m ? m[1] : '')
    .digest();
  // Evaluate both parts every time: no early exit that depends on the header.
  const equal = timingSafeEqual(given, expectedDigest);
  return equal && m !== null;
}

// ---------------------------------------------------------------------------------------------------
// One running scale-out per cluster
//
// Choice (documented here because it is the subtle part of the API):
//
// 1. Same ticket -> same workflow id (workflowIdFor), so Temporal itself makes a repeated POST
//    idempotent: a start of an id that is running fails with "already started" and we answer 200
//    with that run. That check is atomic on the server.
// 2. A different ticket for a cluster that is being scaled out must get 409. Temporal cannot enforce
//    that by id (the ids differ), and the visibility query `EtcdCluster = ".." AND ExecutionStatus =
//    "Running"` is eventually consistent: a run started a second ago may not be listed yet. So the
//    check has two parts:
//    a. visibility, which covers runs started by anyone (CLI, UI, other API processes) more than
//       the visibility lag ago;
//    b. a deterministic part: every run this process starts is remembered per cluster for
//       RECENT_MS (far beyond any visibility lag) and re-checked with DescribeWorkflowExecution,
//       which is strongly consistent; and check-then-start is serialised per cluster in this
//       process, so two concurrent POSTs cannot both pass the check.
//    We did not use a per-cluster lock workflow: it would need a second workflow type in the worker
//    and a way to release the lock when the scale-out ends however it ends; nor a lock key in the
//    target etcd, which the API (unlike the worker) has no credentials for.
//    What remains uncovered: two API processes started within the visibility lag of each other for
//    the same cluster. Run one API process per Temporal namespace (it is stateless otherwise); the
//    workflow's preflight then still refuses a cluster that already has a learner.
// 3. A run of the same ticket that COMPLETED is answered with 200 as well (the ticket's work is
//    done; a retried POST must not start it again). One that failed, was cancelled or terminated is
//    started afresh under the same id (Temporal's default reuse policy): that is how an operator
//    retries a ticket after fixing the cause, and the conflict check above applies to it as well.

class ClusterGuard {
  private readonly recent = new Map<string, Map<string, number>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  /** Runs `fn` with no other `fn` for the same cluster running in this process. */
  async exclusive<T>(cluster: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(cluster) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => undefined);
    this.locks.set(cluster, tail);
    try {
      return await mine;
    } finally {
      if (this.locks.get(cluster) === tail) this.locks.delete(cluster);
    }
  }

  remember(cluster: string, workflowId: string): void {
    const ids = this.recent.get(cluster) ?? new Map<string, number>();
    ids.set(workflowId, Date.now());
    this.recent.set(cluster, ids);
  }

  /** Runs this process started recently for the cluster (expired ones dropped). */
  recentIds(cluster: string): string[] {
    const ids = this.recent.get(cluster);
    if (!ids) return [];
    for (const [id, at] of ids) if (Date.now() - at > RECENT_MS) ids.delete(id);
    return [...ids.keys()];
  }

  forget(cluster: string, workflowId: string): void {
    this.recent.get(cluster)?.delete(workflowId);
  }
}

// ---------------------------------------------------------------------------------------------------
// Shapes

function summaryOf(info: WorkflowExecutionInfo | WorkflowExecutionDescription) {
  const labels = runLabels(info.typedSearchAttributes);
  const memo = info.memo as { summary?: unknown } | undefined;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    status: info.status.name,
    cluster: labels.cluster ?? null,
    ticket: labels.ticket ?? null,
    requestedBy: labels.requestedBy ?? null,
    phase: labels.phase ?? null,
    summary: typeof memo?.summary === 'string' ? memo.summary : null,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
  };
}

function failureOf(err: unknown): { type: string | null; message: string; details?: unknown } {
  let e: unknown = err instanceof WorkflowFailedError ? (err.cause ?? err) : err;
  if (e instanceof ApplicationFailure) return { type: e.type ?? null, message: e.message, ...(e.details?.length ? { details: e.details[0] } : {}) };
  if (e instanceof CancelledFailure) return { type: 'Cancelled', message: e.message || 'cancelled' };
  if (e instanceof TerminatedFailure) return { type: 'Terminated', message: e.message || 'terminated' };
  if (e instanceof TimeoutFailure) return { type: 'Timeout', message: e.message || 'timed out' };
  if (e instanceof TemporalFailure) return { type: e.name, message: e.message };
  return { type: null, message: e instanceof Error ? e.message : String(e) };
}

// ---------------------------------------------------------------------------------------------------

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const { client } = options;
  if (typeof options.token !== 'string' || options.token.trim() === '') throw new Error('buildApi: an API token is required');
  const tokenDigest = createHash('sha256').update(options.token).digest();
  const queue = options.taskQueue ?? defaultTaskQueue();
  const guard = new ClusterGuard();

  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { maxParamLength: 300 },
    bodyLimit: 256 * 1024,
    exposeHeadRoutes: false,
  });

  // Every registered route must be in the OpenAPI document (checked when the app is ready).
  const registered: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) registered.push(`${method} ${route.url.replace(/:([A-Za-z]+)/g, '{$1}')}`);
  });
  app.addHook('onReady', async () => {
    const undocumented = registered.filter((r) => !(DOCUMENTED_ROUTES as readonly string[]).includes(r));
    const missing = DOCUMENTED_ROUTES.filter((r) => !registered.includes(r));
    if (undocumented.length || missing.length) throw new Error(`OpenAPI document out of date: undocumented ${undocumented.join(', ') || '-'}; missing ${missing.join(', ') || '-'}`);
  });

  // JSON bodies only (anything else is 415), with our own parser so that a syntax error is reported
  // with JSON.parse's position.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(badRequest('the body is empty; send a JSON object', [{ field: '(request)', message: 'must be a JSON object' }]), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(badRequest(`the body is not valid JSON: ${(err as Error).message}`, [{ field: '(request)', message: `is not valid JSON: ${(err as Error).message}` }]), undefined);
    }
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    if (!tokenMatches(tokenDigest, request.headers.authorization)) {
      reply.header('www-authenticate', 'Bearer realm="etcd-scaleout"');
      throw new HttpError(401, 'missing or wrong bearer token (Authorization: Bearer <token>)');
    }
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message, ...err.extra });
    if (err instanceof WorkflowNotFoundError) return reply.code(404).send({ error: `no scale-out ${err.workflowId}` });
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return reply.code(504).send({ error: 'the workflow did not answer in time (is a worker running?)' });
    if (isGrpcServiceError(err) || err instanceof ServiceError) {
      const code = isGrpcServiceError(err) ? err.code : isGrpcServiceError(err.cause) ? err.cause.code : undefined;
      if (code === 14 || code === 4) return reply.code(code === 4 ? 504 : 503).send({ error: `Temporal is not reachable: ${err.message}` });
      request.log.error({ err }, 'Temporal call failed');
      return reply.code(502).send({ error: `Temporal refused the call: ${err.message}` });
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      // Fastify's own client errors (415, 413, ...).
      return reply.code(status).send({ error: err.message, ...(status === 400 ? { fields: [{ field: '(request)', message: err.message }] } : {}) });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal error' });
  });

  /** The run, if it is a scale-out; 404 otherwise. */
  async function describeScaleOut(workflowId: string): Promise<{ handle: WorkflowHandle<typeof scaleOutEtcd>; d: WorkflowExecutionDescription }> {
    if (!workflowId || workflowId.length > 255) throw new HttpError(404, `no scale-out ${JSON.stringify(workflowId)}`);
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.type !== WORKFLOW_TYPE) throw new HttpError(404, `no scale-out ${workflowId} (it is a ${d.type} workflow)`);
    return { handle: client.workflow.getHandle<typeof scaleOutEtcd>(workflowId, d.runId), d };
  }

  async function describeOrUndefined(workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
    try {
      return await client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** A running scale-out of this cluster other than `exceptId`, if there is one (see ClusterGuard). */
  async function runningScaleOut(cluster: string, exceptId: string): Promise<{ workflowId: string; runId: string; ticket: string | null } | undefined> {
    for (const id of guard.recentIds(cluster)) {
      if (id === exceptId) continue;
      const d = await describeOrUndefined(id);
      if (d?.status.name === 'RUNNING') return { workflowId: id, runId: d.runId, ticket: runLabels(d.typedSearchAttributes).ticket ?? null };
      guard.forget(cluster, id);
    }
    const query = scaleOutRunsQuery({ cluster, status: 'Running' });
    for await (const info of client.workflow.list({ query, pageSize: 10 })) {
      if (info.workflowId === exceptId) continue;
      // Visibility can also lag behind a close: confirm with a strongly consistent describe.
      const d = await describeOrUndefined(info.workflowId);
      if (d?.status.name === 'RUNNING') return { workflowId: info.workflowId, runId: d.runId, ticket: runLabels(d.typedSearchAttributes).ticket ?? null };
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------------
  // Routes

  app.get('/healthz', { config: { public: true } }, async (_request, reply) => {
    const t0 = Date.now();
    try {
      await client.connection.withDeadline(Date.now() + 3_000, () => client.workflowService.describeNamespace({ namespace: client.options.namespace }));
      return { status: 'ok', temporal: { reachable: true, namespace: client.options.namespace, latencyMs: Date.now() - t0 } };
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable', temporal: { reachable: false, namespace: client.options.namespace, error: (err as Error).message } });
    }
  });

  app.get('/openapi.json', async () => buildOpenApi());

  app.post('/v1/scaleouts', async (request, reply) => {
    const raw = request.body;
    const v = validateRequest(raw);
    const fields: FieldError[] = v.ok ? [] : [...v.errors];
    const ticketId = (raw as { ticket?: { id?: unknown } } | undefined)?.ticket?.id;
    if (ticketId === undefined && !fields.some((f) => f.field === 'ticket' || f.field === 'ticket.id' || f.field === '(request)')) {
      fields.push({ field: 'ticket.id', message: 'is required by the API: the run\'s workflow id derives from cluster.name and ticket.id (one run per ticket)' });
    }
    if (!v.ok || fields.length) throw badRequest(`invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
    const req: ScaleOutRequest = v.request;
    const workflowId = workflowIdFor(req);
    const cluster = req.cluster.name;
    const url = `/v1/scaleouts/${encodeURIComponent(workflowId)}`;

    return guard.exclusive(cluster, async () => {
      const existing = await describeOrUndefined(workflowId);
      if (existing && (existing.status.name === 'RUNNING' || existing.status.name === 'COMPLETED')) {
        return reply.code(200).send({ workflowId, runId: existing.runId, alreadyStarted: true, status: existing.status.name, url });
      }
      const other = await runningScaleOut(cluster, workflowId);
      if (other) {
        throw new HttpError(409, `cluster ${cluster} already has a running scale-out: ${other.workflowId} (run ${other.runId}${other.ticket ? `, ticket ${other.ticket}` : ''}); wait for it to end or cancel it`, { running: other });
      }
      const started: Started = await startScaleOut(client, raw, { workflowId, taskQueue: queue });
      guard.remember(cluster, workflowId);
      const d = await started.handle.describe();
      if (started.alreadyStarted) return reply.code(200).send({ workflowId, runId: d.runId, alreadyStarted: true, status: d.status.name, url });
      request.log.info({ workflowId, runId: d.runId, cluster }, 'scale-out started');
      return reply.code(201).header('location', url).send({ workflowId, runId: d.runId, alreadyStarted: false, status: d.status.name, url });
    });
  });

  app.get('/v1/scaleouts', async (request) => {
    const parsed = ListQuery.safeParse(request.query ?? {});
    if (!parsed.success) {
      const fields = zodFields(parsed.error).map((f) => (f.field === '(body)' ? { ...f, field: '(query)' } : f));
      throw badRequest(`invalid query: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
    }
    const q = parsed.data;
    // Every value was matched against a strict pattern above: no quote can reach the query.
    const query = scaleOutRunsQuery(q);
    const items: ReturnType<typeof summaryOf>[] = [];
    for await (const info of client.workflow.list({ query, pageSize: Math.min(q.limit, 100) })) {
      items.push(summaryOf(info));
      if (items.length >= q.limit) break;
    }
    return { query, count: items.length, items };
  });

  app.get<{ Params: { workflowId: string } }>('/v1/scaleouts/:workflowId', async (request) => {
    const { handle, d } = await describeScaleOut(request.params.workflowId);
    const out: Record<string, unknown> = { ...summaryOf(d), historyLength: d.historyLength };
    try {
      out.progress = await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(progressQuery));
    } catch (err) {
      out.progressError = (err as Error).message;
    }
    if (d.status.name === 'COMPLETED') out.result = await handle.result();
    else if (d.status.name !== 'RUNNING') {
      try {
        await handle.result();
      } catch (err) {
        out.failure = failureOf(err);
      }
    }
    return out;
  });

  for (const kind of ['approve', 'reject'] as const) {
    app.post<{ Params: { workflowId: string } }>(`/v1/scaleouts/:workflowId/${kind}`, async (request) => {
      const { handle, d } = await describeScaleOut(request.params.workflowId);
      const body = DecisionBody.safeParse(request.body ?? {});
      if (!body.success) {
        const fields = zodFields(body.error);
        throw badRequest(`invalid decision: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
      }
      if (d.status.name !== 'RUNNING') throw new HttpError(409, `${d.workflowId} is ${d.status.name}: no decision is awaited`);
      const decision: Decision = { approve: kind === 'approve', by: body.data.by, ...(body.data.reason ? { reason: body.data.reason } : {}) };
      try {
        const approval = await client.connection.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () => handle.executeUpdate(decideUpdate, { args: [decision] }));
        request.log.info({ workflowId: d.workflowId, approve: decision.approve, by: decision.by }, 'decision accepted');
        return { workflowId: d.workflowId, approve: decision.approve, approval };
      } catch (err) {
        // The workflow's validator refused it (unknown approver, no decision awaited), or the run closed meanwhile.
        if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, err.cause?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError) throw new HttpError(409, `${d.workflowId} closed: no decision is awaited`);
        throw err;
      }
    });
  }

  app.post<{ Params: { workflowId: string } }>('/v1/scaleouts/:workflowId/cancel', async (request, reply) => {
    const { handle, d } = await describeScaleOut(request.params.workflowId);
    if (d.status.name !== 'RUNNING') throw new HttpError(409, `${d.workflowId} is already ${d.status.name}`);
    await handle.cancel();
    request.log.info({ workflowId: d.workflowId, runId: d.runId }, 'cancellation requested');
    return reply.code(202).send({ workflowId: d.workflowId, runId: d.runId, status: 'cancel-requested' });
  });

  app.get<{ Params: { workflowId: string }; Querystring: { format?: string } }>('/v1/scaleouts/:workflowId/audit', async (request, reply) => {
    const format = request.query.format ?? 'json';
    if (format !== 'json' && format !== 'markdown') throw badRequest('invalid query: format: must be "json" or "markdown"', [{ field: 'format', message: 'must be "json" or "markdown"' }]);
    const { d } = await describeScaleOut(request.params.workflowId);
    const report = await buildAuditReport(client, d.workflowId, d.runId);
    if (format === 'markdown') return reply.type('text/markdown; charset=utf-8').send(renderAuditMarkdown(report));
    return report;
  });

  return app;
}

// ---------------------------------------------------------------------------------------------------
// main

/** The token from API_TOKEN_FILE (preferred) or API_TOKEN. The error never contains the token. */
export function readApiToken(env: NodeJS.ProcessEnv = process.env): string {
  if (env.API_TOKEN_FILE) {
    let text: string;
    try {
      text = readFileSync(env.API_TOKEN_FILE, 'utf8');
    } catch (err) {
      throw new Error(`cannot read API_TOKEN_FILE ${env.API_TOKEN_FILE}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const token = text.trim();
    if (!token) throw new Error(`API_TOKEN_FILE ${env.API_TOKEN_FILE} is empty`);
    return token;
  }
  if (env.API_TOKEN?.trim()) return env.API_TOKEN.trim();
  throw new Error('no API token: set API_TOKEN_FILE (a file holding the token) or API_TOKEN');
}

async function main(): Promise<void> {
  const token = readApiToken();
  const port = Number(process.env.API_PORT || 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`API_PORT must be a port number, got ${JSON.stringify(process.env.API_PORT)}`);
  const host = process.env.API_HOST || '127.0.0.1';
  const client = await connectClient({ address: process.env.TEMPORAL_ADDRESS, namespace: process.env.TEMPORAL_NAMESPACE });
  const app = await buildApi({ client, token, logger: { level: process.env.LOG_LEVEL || 'info' } });
  const stop = async () => {
    await app.close();
    await client.connection.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await app.listen({ port, host });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`etcd-scaleout api: ${(err as Error).message}`);
    process.exit(1);
  });
}
