/**
 * The HTTP API: start, follow, approve/reject, cancel, audit and list scale-outs.
 *
 * A thin layer over the Temporal client: the workflow is the source of truth, the API keeps no state
 * of its own except a short-lived memory of the runs it just started (see ./clusterGuard.ts). The
 * same validation as every other entry point (src/domain/request/request.ts) runs before anything is started.
 *
 * Security: every route except GET /healthz needs `Authorization: Bearer <token>`, compared in
 * constant time (./auth.ts); each token is a named identity with roles (./tokens.ts): starting
 * needs `requester`, approving and rejecting need `approver`, and a decision is made by the token's
 * identity. The token is never logged or echoed; the workflow input only carries file paths.
 *
 * Run it: API_TOKENS_FILE=/etc/etcd-scaleout/api-tokens node dist/src/api/server.js
 *   API_PORT (8080), API_HOST (127.0.0.1), API_TOKENS_FILE (or the single API_TOKEN_FILE or
 *   API_TOKEN, with API_TOKEN_IDENTITY), TEMPORAL_TASK_QUEUE, LOG_LEVEL (info), API_METRICS_ADDRESS
 *   (unset: no metrics; e.g. 127.0.0.1:9465, see ./metrics.ts), and Temporal's own connection
 *   settings (src/temporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_*,
 *   TEMPORAL_API_KEY(_FILE), TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE).
 */
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import { connectClient } from '../client';
import { taskQueue as defaultTaskQueue } from '../config';
import { metricsAddress } from '../metrics/address';
import { requireBearerToken } from './auth';
import { ClusterGuard } from './clusterGuard';
import type { ApiContext } from './context';
import { registerErrorHandling } from './errors';
import { ApiMetrics, countRequests, serveMetrics } from './metrics';
import { DOCUMENTED_ROUTES } from './openapi';
import { decisionRoutes } from './routes/decisions';
import { listRoute } from './routes/list';
import { metaRoutes } from './routes/meta';
import { runRoutes } from './routes/run';
import { startRoutes } from './routes/start';

import { type ApiToken, readApiTokens, singleToken } from './tokens';

export { readApiTokens } from './tokens';

export interface ApiOptions {
  client: Client;
  /** The tokens clients present, with their identities and roles (see ./tokens.ts). Never logged. */
  tokens?: ApiToken[];
  /** The older single token: one identity (`api`) with both roles. Used when `tokens` is not given. */
  token?: string;
  taskQueue?: string;
  /** Fastify logger: false (default) or pino options. Requests are logged without headers or bodies. */
  logger?: boolean | { level: string };
  /** Where every answered request is counted (served by ./metrics.ts's own listener). */
  metrics?: ApiMetrics;
}

const ROUTE_GROUPS = [
  metaRoutes,
  startRoutes,
  listRoute,
  runRoutes,
  decisionRoutes,
];

/** Every registered route must be in the OpenAPI document, and every documented one registered. */
function checkRoutesDocumented(app: FastifyInstance): void {
  const registered: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method))
      registered.push(
        `${method} ${route.url.replace(/:([A-Za-z]+)/g, '{$1}')}`,
      );
  });
  app.addHook('onReady', async () => {
    const undocumented = registered.filter(
      (r) => !(DOCUMENTED_ROUTES as readonly string[]).includes(r),
    );
    const missing = DOCUMENTED_ROUTES.filter((r) => !registered.includes(r));
    if (undocumented.length || missing.length)
      throw new Error(
        `OpenAPI document out of date: undocumented ${undocumented.join(', ') || '-'}; missing ${missing.join(', ') || '-'}`,
      );
  });
}

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { maxParamLength: 300 },
    bodyLimit: 256 * 1024,
    exposeHeadRoutes: false,
  });
  if (options.metrics) countRequests(app, options.metrics);
  requireBearerToken(app, options.tokens ?? [singleToken(options.token ?? '')]);
  checkRoutesDocumented(app);
  registerErrorHandling(app);
  const ctx: ApiContext = {
    client: options.client,
    taskQueue: options.taskQueue ?? defaultTaskQueue(),
    guard: new ClusterGuard(),
  };
  for (const group of ROUTE_GROUPS) group(app, ctx);
  return app;
}

async function main(): Promise<void> {
  const tokens = readApiTokens();
  const port = Number(process.env.API_PORT || 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(
      `API_PORT must be a port number, got ${JSON.stringify(process.env.API_PORT)}`,
    );
  const host = process.env.API_HOST || '127.0.0.1';
  const metricsAt = metricsAddress(process.env, 'API_METRICS_ADDRESS');
  // The TEMPORAL_* variables and temporal.toml, as the worker and the Temporal CLI read them (src/temporal).
  const client = await connectClient();
  const metrics = metricsAt ? new ApiMetrics() : undefined;
  const app = await buildApi({
    client,
    tokens,
    logger: { level: process.env.LOG_LEVEL || 'info' },
    metrics,
  });
  const metricsServer =
    metrics && metricsAt ? await serveMetrics(metrics, metricsAt) : undefined;
  if (metricsAt) app.log.info(`metrics on http://${metricsAt}/metrics`);
  const stop = async () => {
    metricsServer?.close();
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
