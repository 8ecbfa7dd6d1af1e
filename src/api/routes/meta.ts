/** GET /healthz (no token: Temporal reachability for load balancers) and GET /openapi.json. */
import type { FastifyInstance } from 'fastify';
import { PUBLIC_ROUTE } from '../auth';
import type { ApiContext } from '../context';
import { buildOpenApi } from '../openapi';

const HEALTH_DEADLINE_MS = 3_000;

export function metaRoutes(app: FastifyInstance, { client }: ApiContext): void {
  const namespace = client.options.namespace;
  app.get('/healthz', { config: PUBLIC_ROUTE }, async (request, reply) => {
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
      // No token is needed here: Temporal's own text (addresses, TLS and DNS details) goes to the
      // server's log only, and the caller gets the fact in our words.
      request.log.warn({ err }, 'healthz: Temporal is not reachable');
      return reply.code(503).send({
        status: 'unavailable',
        temporal: {
          reachable: false,
          namespace,
          error:
            "Temporal did not answer the API (the reason is in the API server's log)",
        },
      });
    }
  });

  app.get('/openapi.json', async () => buildOpenApi());
}
