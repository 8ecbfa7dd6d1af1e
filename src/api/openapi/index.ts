/**
 * The HTTP API's OpenAPI 3.1 document (served at GET /openapi.json). The request body's schema
 * comes from the validation schema (./requestSchema.ts); everything else is written by hand, one
 * builder per route group (./paths.ts). The server checks at start-up that every route it
 * registers is listed in DOCUMENTED_ROUTES and the other way round.
 */

import type { Json } from './parts';
import { collectionPaths, decisionPaths, metaPaths, runPaths } from './paths';
import { componentSchemas } from './schemas';

export { scaleOutRequestJsonSchema } from './requestSchema';

/** The routes, as `METHOD /openapi/path/{param}`: the single list the server checks its routes against. */
export const DOCUMENTED_ROUTES = [
  'GET /healthz',
  'GET /openapi.json',
  'POST /v1/scaleouts',
  'POST /v1/scaleins',
  'POST /v1/replacements',
  'GET /v1/scaleouts',
  'GET /v1/scaleouts/{workflowId}',
  'POST /v1/scaleouts/{workflowId}/approve',
  'POST /v1/scaleouts/{workflowId}/reject',
  'POST /v1/scaleouts/{workflowId}/cancel',
  'GET /v1/scaleouts/{workflowId}/audit',
] as const;

const DESCRIPTION =
  'Grow, shrink and replace members of a running etcd cluster (Kubespray-style) safely, each as a Temporal workflow: POST /v1/scaleouts, /v1/scaleins, /v1/replacements start them; ' +
  'every run, of any type, is listed, read, cancelled, approved and audited under /v1/scaleouts. One run per (cluster, ticket) and type; ' +
  'at most one running membership change per cluster. Every route except /healthz needs `Authorization: Bearer <token>`; ' +
  'each token is a named identity with roles: `requester` may start runs, `approver` may approve or reject them (as itself), any identity may read and cancel.';

export function buildOpenApi(options: { serverUrl?: string } = {}): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'etcd-scaleout API',
      version: '1.0.0',
      description: DESCRIPTION,
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths: {
      ...metaPaths(),
      ...collectionPaths(),
      ...runPaths(),
      ...decisionPaths(),
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API token: one of API_TOKENS_FILE on the server (SHA-256 digest, identity, roles), or the single API_TOKEN_FILE/API_TOKEN (one identity with both roles).',
        },
      },
      schemas: componentSchemas(),
    },
  };
}
