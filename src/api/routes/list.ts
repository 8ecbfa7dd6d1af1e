/** GET /v1/scaleouts?cluster=&ticket=&status=&type=&limit=: runs of every membership type through Temporal visibility. */
import type { FastifyInstance } from 'fastify';
import { listRuns, parseListFilter } from '../../client';
import { type ApiContext, summaryJson } from '../context';
import { badRequest } from '../errors';

export function listRoute(app: FastifyInstance, { client }: ApiContext): void {
  app.get('/v1/scaleouts', async (request) => {
    const parsed = parseListFilter(
      (request.query ?? {}) as Record<string, unknown>,
    );
    if (!parsed.ok) throw badRequest('invalid query', parsed.errors);
    const { query, runs } = await listRuns(client, parsed.filter);
    return { query, count: runs.length, items: runs.map(summaryJson) };
  });
}
