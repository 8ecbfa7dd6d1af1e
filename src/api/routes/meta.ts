/** GET /healthz (no token: Temporal reachability for load balancers) and GET /openapi.json. */
import type { FastifyInstance } from 'fastify';
import { PUBLIC_ROUTE } from '../auth';
import type { ApiContext } from '../context';
import { buildOpenApi } from '../openapi';

const HEALTH_DEADLINE_MS = 3_000;

export function metaRoutes(app: FastifyInstance, { client }: ApiContext): void {
  const namespace = client.options.namespace;
  app.get('/healthz', { config: PUBLIC_ROUTE }, async (_request, reply) => {
    const t0 = Date.now();
    try {
      await client.connection.withDeadline(
        Date.now() + HEALTH_DEADLINE_MS,
        () => client.workflowService.describeNamespace({ namespace }),
      );
      return {
        status: 'ok',
        temporal: { reachable: true, namespace, latencyMs: Date.now() - t0 },
      };
    } catch (err) {
      return reply.code(503).send({
        status: 'unavailable',
        temporal: {
          reachable: false,
          namespace,
          error: (err as Error).message,
        },
      });
    }
  });

  app.get('/openapi.json', async () => buildOpenApi());
}
