/**
 * The HTTP API's OpenAPI 3.1 document (served at GET /openapi.json).
 *
 * The request body's schema is derived from the same zod schema that every entry point validates
 * with (`z.toJSONSchema`, input side: what a client sends, before defaults and normalisation), with
 * one API-specific tightening: `ticket.id` is required, since the API derives the run's workflow id
 * from cluster and ticket. Everything else is written by hand next to the routes it describes;
 * `buildApi` checks at start-up that every route it registers is documented here.
 */
import { z } from 'zod';
import { ScaleOutRequestSchema } from '../domain/request';

/** The routes, as `METHOD /openapi/path/{param}`: the single list api.ts checks its routes against. */
export const DOCUMENTED_ROUTES = [
  'GET /healthz',
  'GET /openapi.json',
  'POST /v1/scaleouts',
  'GET /v1/scaleouts',
  'GET /v1/scaleouts/{workflowId}',
  'POST /v1/scaleouts/{workflowId}/approve',
  'POST /v1/scaleouts/{workflowId}/reject',
  'POST /v1/scaleouts/{workflowId}/cancel',
  'GET /v1/scaleouts/{workflowId}/audit',
] as const;

type Json = Record<string, unknown>;

/** The request schema as JSON Schema 2020-12 (the dialect OpenAPI 3.1 uses), with ticket.id required. */
export function scaleOutRequestJsonSchema(): Json {
  const schema = z.toJSONSchema(ScaleOutRequestSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
  delete schema.$schema;
  const props = schema.properties as Record<string, Json>;
  schema.required = [...new Set([...((schema.required as string[]) ?? []), 'ticket'])];
  const ticket = props.ticket;
  ticket.required = [...new Set([...((ticket.required as string[]) ?? []), 'id'])];
  ticket.description = 'Required by the API: one run per (cluster, ticket); the workflow id is derived from both, so repeating a request is idempotent.';
  props.cluster.description = 'The existing cluster: its name (also the EtcdCluster search attribute) and client URLs of existing members.';
  props.newMembers.description = 'The members to add, in order; they join strictly one at a time (canary first).';
  props.ssh.description = 'How the worker reaches the new nodes. Key and known_hosts are paths on the worker, never key material.';
  props.notify.description = 'Optional webhook called when the run ends, signed with HMAC-SHA256 (header X-EtcdScaleout-Signature: sha256=<hex>) using the secret in secretFile (a path on the worker).';
  schema.description = 'A scale-out request. Cross-field rules (URL hosts match the member host, no duplicates, one scheme, canary <= members) are checked by the server and reported like the field rules.';
  return schema;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const workflowIdParam = { name: 'workflowId', in: 'path', required: true, description: 'The run\'s workflow id (scaleout-<cluster>-<ticket>).', schema: { type: 'string', minLength: 1, maxLength: 255 } };
const authErrors = { '401': error('Missing or wrong bearer token.') };
const unavailable = { '503': error('Temporal is not reachable.') };

export function buildOpenApi(options: { serverUrl?: string } = {}): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'etcd-scaleout API',
      version: '1.0.0',
      description:
        'Grow a running etcd cluster (Kubespray-style) safely, as a Temporal workflow. One run per (cluster, ticket); ' +
        'at most one running scale-out per cluster. Every route except /healthz needs `Authorization: Bearer <token>`.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness and Temporal reachability (no authentication).',
          security: [],
          responses: { '200': json(ref('Health'), 'Temporal is reachable.'), '503': json(ref('Health'), 'Temporal is not reachable.') },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'This document.', responses: { '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } }, ...authErrors } },
      },
      '/v1/scaleouts': {
        post: {
          operationId: 'startScaleOut',
          summary: 'Start a scale-out (idempotent per cluster and ticket).',
          description:
            'Validates the request (400 with every field problem, nothing started), then starts the run whose workflow id derives from cluster.name and ticket.id. ' +
            'The same ticket again returns the existing run with 200 (while it runs, and after it completed; the ticket is the idempotency key, the body is not compared); a run of the same ticket that failed or was cancelled is started afresh under the same workflow id. ' +
            'A different ticket while the cluster already has a running scale-out gets 409 naming that run.',
          requestBody: { required: true, content: { 'application/json': { schema: ref('ScaleOutRequest') } } },
          responses: {
            '201': json(ref('Started'), 'Started a new run. Location: /v1/scaleouts/{workflowId}.'),
            '200': json(ref('Started'), 'This ticket\'s run already exists (running or completed): nothing new was started.'),
            '400': json(ref('ValidationError'), 'Invalid JSON or an invalid request; `fields` names each problem.'),
            ...authErrors,
            '409': json(ref('Conflict'), 'Another scale-out of this cluster is running.'),
            '415': error('The body is not application/json.'),
            ...unavailable,
          },
        },
        get: {
          operationId: 'listScaleOuts',
          summary: 'List scale-outs through Temporal visibility (newest first; visibility may lag a second behind).',
          parameters: [
            { name: 'cluster', in: 'query', schema: { type: 'string' }, description: 'EtcdCluster search attribute.' },
            { name: 'ticket', in: 'query', schema: { type: 'string' }, description: 'TicketId search attribute.' },
            { name: 'status', in: 'query', schema: { type: 'string', enum: ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut', 'ContinuedAsNew'] } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: { '200': json(ref('List'), 'The matching runs.'), '400': json(ref('ValidationError'), 'A bad query parameter.'), ...authErrors, ...unavailable },
        },
      },
      '/v1/scaleouts/{workflowId}': {
        get: {
          operationId: 'getScaleOut',
          summary: 'Status, progress and (once closed) result or failure of a run.',
          parameters: [workflowIdParam],
          responses: { '200': json(ref('Status'), 'The run.'), ...authErrors, '404': error('No scale-out with this id.'), ...unavailable },
        },
      },
      '/v1/scaleouts/{workflowId}/approve': decisionPath('approve'),
      '/v1/scaleouts/{workflowId}/reject': decisionPath('reject'),
      '/v1/scaleouts/{workflowId}/cancel': {
        post: {
          operationId: 'cancelScaleOut',
          summary: 'Request cancellation: the run undoes what it did (in reverse order) and fails with type Cancelled.',
          parameters: [workflowIdParam],
          responses: {
            '202': json({ type: 'object', properties: { workflowId: { type: 'string' }, runId: { type: 'string' }, status: { const: 'cancel-requested' } }, required: ['workflowId', 'runId', 'status'] }, 'Cancellation requested; follow GET /v1/scaleouts/{workflowId}.'),
            ...authErrors,
            '404': error('No scale-out with this id.'),
            '409': error('The run is already closed.'),
            ...unavailable,
          },
        },
      },
      '/v1/scaleouts/{workflowId}/audit': {
        get: {
          operationId: 'auditScaleOut',
          summary: 'The run\'s audit report, from its Temporal history.',
          parameters: [workflowIdParam, { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'markdown'], default: 'json' } }],
          responses: {
            '200': { description: 'The audit report.', content: { 'application/json': { schema: { type: 'object' } }, 'text/markdown': { schema: { type: 'string' } } } },
            '400': json(ref('ValidationError'), 'Unknown format.'),
            ...authErrors,
            '404': error('No scale-out with this id.'),
            ...unavailable,
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The API token (API_TOKEN_FILE or API_TOKEN on the server).' } },
      schemas: {
        ScaleOutRequest: scaleOutRequestJsonSchema(),
        Decision: {
          type: 'object',
          properties: { by: { type: 'string', minLength: 1, maxLength: 128, description: 'Who decides; must be one of strategy.approvers when the request lists them.' }, reason: { type: 'string', maxLength: 2000 } },
          required: ['by'],
          additionalProperties: false,
        },
        Error: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] },
        FieldError: { type: 'object', properties: { field: { type: 'string', examples: ['newMembers[1].peerURL', 'ticket.id', '(request)'] }, message: { type: 'string' } }, required: ['field', 'message'] },
        ValidationError: { type: 'object', properties: { error: { type: 'string' }, fields: { type: 'array', items: ref('FieldError') } }, required: ['error', 'fields'] },
        Conflict: {
          type: 'object',
          properties: {
            error: { type: 'string' },
            running: { type: 'object', properties: { workflowId: { type: 'string' }, runId: { type: 'string' }, ticket: { type: ['string', 'null'] } }, required: ['workflowId'] },
          },
          required: ['error', 'running'],
        },
        Started: {
          type: 'object',
          properties: { workflowId: { type: 'string' }, runId: { type: 'string' }, alreadyStarted: { type: 'boolean' }, status: { type: 'string' }, url: { type: 'string' } },
          required: ['workflowId', 'runId', 'alreadyStarted', 'status', 'url'],
        },
        Summary: {
          type: 'object',
          properties: {
            workflowId: { type: 'string' },
            runId: { type: 'string' },
            status: { type: 'string', enum: ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW', 'PAUSED', 'UNSPECIFIED', 'UNKNOWN'] },
            cluster: { type: ['string', 'null'] },
            ticket: { type: ['string', 'null'] },
            requestedBy: { type: ['string', 'null'] },
            phase: { type: ['string', 'null'] },
            summary: { type: ['string', 'null'] },
            startTime: { type: 'string', format: 'date-time' },
            closeTime: { type: ['string', 'null'], format: 'date-time' },
          },
          required: ['workflowId', 'runId', 'status'],
        },
        Status: {
          allOf: [
            ref('Summary'),
            {
              type: 'object',
              properties: {
                historyLength: { type: 'integer' },
                progress: { type: 'object', description: 'The workflow\'s `progress` query: phase, step, members with their state and timings, backup, approval, undone.' },
                progressError: { type: 'string' },
                result: { type: 'object', description: 'When COMPLETED: members before/after, etcdServers for kube-apiserver, timings, backup, approval, warnings.' },
                failure: { type: 'object', properties: { type: { type: ['string', 'null'] }, message: { type: 'string' }, details: {} }, description: 'When FAILED, CANCELLED, TERMINATED or TIMED_OUT.' },
              },
            },
          ],
        },
        List: { type: 'object', properties: { query: { type: 'string' }, count: { type: 'integer' }, items: { type: 'array', items: ref('Summary') } }, required: ['query', 'count', 'items'] },
        Health: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['ok', 'unavailable'] },
            temporal: { type: 'object', properties: { reachable: { type: 'boolean' }, namespace: { type: 'string' }, latencyMs: { type: 'number' }, error: { type: 'string' } }, required: ['reachable'] },
          },
          required: ['status', 'temporal'],
        },
      },
    },
  };
}

function decisionPath(kind: 'approve' | 'reject'): Json {
  return {
    post: {
      operationId: `${kind}ScaleOut`,
      summary: `${kind === 'approve' ? 'Approve' : 'Reject'} the verified canary at the approval gate (the workflow's \`decide\` update).`,
      description:
        kind === 'approve'
          ? 'The batch proceeds. Refused with 409 when `by` is not an approver of the run or when no decision is awaited.'
          : 'The run rolls back the canary and fails with type ApprovalRejected. Refused with 409 when `by` is not an approver or no decision is awaited.',
      parameters: [workflowIdParam],
      requestBody: { required: true, content: { 'application/json': { schema: ref('Decision') } } },
      responses: {
        '200': json({ type: 'object', properties: { workflowId: { type: 'string' }, approve: { type: 'boolean' }, approval: { type: 'object' } }, required: ['workflowId', 'approve', 'approval'] }, 'The decision was accepted.'),
        '400': json(ref('ValidationError'), 'The body is not a decision.'),
        ...authErrors,
        '404': error('No scale-out with this id.'),
        '409': error('The workflow refused the decision (its validator\'s message), or the run is closed.'),
        ...unavailable,
      },
    },
  };
}
