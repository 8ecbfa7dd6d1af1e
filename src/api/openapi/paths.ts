/** The OpenAPI paths, one builder per route group (see ../routes). */
import {
  DEFAULT_LIST_LIMIT,
  LIST_STATUSES,
  MAX_LIST_LIMIT,
} from '../../client/list';
import { MEMBERSHIP_WORKFLOW_TYPES } from '../../config';
import {
  authErrors,
  error,
  forbidden,
  type Json,
  json,
  notFound,
  object,
  ref,
  unavailable,
  workflowIdParam,
} from './parts';

export function metaPaths(): Json {
  return {
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Liveness and Temporal reachability (no authentication).',
        security: [],
        responses: {
          '200': json(ref('Health'), 'Temporal is reachable.'),
          '503': json(ref('Health'), 'Temporal is not reachable.'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document.',
        responses: {
          '200': json({ type: 'object' }, 'The OpenAPI 3.1 document.'),
          ...authErrors,
        },
      },
    },
  };
}

/** What each start route starts: its operation, its body's schema, its workflow id's prefix. */
const STARTS = {
  scaleout: {
    operationId: 'startScaleOut',
    what: 'a scale-out',
    schema: 'ScaleOutRequest',
    prefix: 'scaleout',
  },
  scalein: {
    operationId: 'startScaleIn',
    what: 'a scale-in (removeMembers, by etcd name)',
    schema: 'ScaleInRequest',
    prefix: 'scalein',
  },
  replace: {
    operationId: 'startReplacement',
    what: 'a replacement (replaceMember, by etcd name, and its one new member)',
    schema: 'ReplaceRequest',
    prefix: 'replace',
  },
} as const;

function startOperation(kind: keyof typeof STARTS): Json {
  const s = STARTS[kind];
  return {
    operationId: s.operationId,
    summary: `Start ${s.what} (idempotent per cluster and ticket).`,
    description:
      `Validates the request (400 with every field problem, nothing started), then starts the run whose workflow id derives from cluster.name and ticket.id (${s.prefix}-<cluster>_<ticket>); the run is then read, cancelled and decided under /v1/scaleouts/{workflowId}. ` +
      'The same ticket with the same request again returns the existing run with 200 (while it runs, and after it completed); the same ticket with a different request gets 409 naming the fields that differ; ' +
      'a run of the same ticket that failed or was cancelled is started afresh under the same workflow id. ' +
      'A different ticket while the cluster already has a running scale-out, scale-in or replacement gets 409 naming that run: one membership change per cluster at a time. Needs the requester role. ' +
      "The run is requested by the token's identity: the API sets ticket.requestedBy to it, and a body naming anyone else is refused with 403 naming ticket.requestedBy. " +
      'A ticket whose run another identity requested (in any state) is theirs: 409 with the workflow id only, nothing about that run.',
    requestBody: {
      required: true,
      content: { 'application/json': { schema: ref(s.schema) } },
    },
    responses: {
      '201': json(
        ref('Started'),
        'Started a new run. Location: /v1/scaleouts/{workflowId}.',
      ),
      '200': json(
        ref('Started'),
        "This ticket's run already exists (running or completed): nothing new was started.",
      ),
      '400': json(
        ref('ValidationError'),
        'Invalid JSON or an invalid request; `fields` names each problem.',
      ),
      ...authErrors,
      '403': json(
        ref('Forbidden'),
        "The token's identity does not have the requester role, or the body's ticket.requestedBy names someone else (`fields`).",
      ),
      '409': json(
        ref('Conflict'),
        "Another run of this cluster is running (`running`, any membership type), this ticket already has a run with a different request (`workflowId`, `differences`), or another identity requested this ticket's run (`workflowId` only).",
      ),
      '415': error('The body is not application/json.'),
      '502': json(
        ref('Refused'),
        'Temporal refused to start the run or to list runs (e.g. the search attributes are not registered): its reason, and what to do.',
      ),
      ...unavailable,
    },
  };
}

function listOperation(): Json {
  return {
    operationId: 'listScaleOuts',
    summary:
      'List runs through Temporal visibility: scale-outs, scale-ins and replacements, or the one `type` (newest first; visibility may lag a second behind).',
    parameters: [
      {
        name: 'type',
        in: 'query',
        schema: { type: 'string', enum: [...MEMBERSHIP_WORKFLOW_TYPES] },
        description: 'Only runs of this workflow type (default: all three).',
      },
      {
        name: 'cluster',
        in: 'query',
        schema: { type: 'string' },
        description: 'EtcdCluster search attribute.',
      },
      {
        name: 'ticket',
        in: 'query',
        schema: { type: 'string' },
        description: 'TicketId search attribute.',
      },
      {
        name: 'status',
        in: 'query',
        schema: { type: 'string', enum: [...LIST_STATUSES] },
      },
      {
        name: 'limit',
        in: 'query',
        schema: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_LIST_LIMIT,
          default: DEFAULT_LIST_LIMIT,
        },
      },
    ],
    responses: {
      '200': json(ref('List'), 'The matching runs.'),
      '400': json(ref('ValidationError'), 'A bad query parameter.'),
      ...authErrors,
      '502': json(
        ref('Refused'),
        'Temporal refused the visibility query (e.g. the search attributes are not registered).',
      ),
      ...unavailable,
    },
  };
}

export function collectionPaths(): Json {
  return {
    '/v1/scaleouts': { post: startOperation('scaleout'), get: listOperation() },
    '/v1/scaleins': { post: startOperation('scalein') },
    '/v1/replacements': { post: startOperation('replace') },
  };
}

export function runPaths(): Json {
  const cancelled = object({
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    status: { const: 'cancel-requested' },
  });
  return {
    '/v1/scaleouts/{workflowId}': {
      get: {
        operationId: 'getScaleOut',
        summary:
          'Status, progress and (once closed) result or failure of a run.',
        parameters: [workflowIdParam],
        responses: {
          '200': json(ref('Status'), 'The run.'),
          ...authErrors,
          ...notFound,
          ...unavailable,
        },
      },
    },
    '/v1/scaleouts/{workflowId}/cancel': {
      post: {
        operationId: 'cancelScaleOut',
        summary:
          'Request cancellation: the run undoes what it did (in reverse order) and fails with type Cancelled.',
        description:
          "Allowed to the identity that requested the run (its RequestedBy) and to identities with the approver role. The canceller is recorded in the run's history (the cancel request's identity `<name> (etcd-scaleout API)` and reason, `cancelled by <name> through the HTTP API[: <the body's reason>]`) and shown by the audit report. " +
          'A replacement past its point of no return (the old member removed) only goes forward: cancelling it then stops it where it is, the cluster healthy at the size it reached.',
        parameters: [workflowIdParam],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: ref('Cancellation') } },
        },
        responses: {
          '202': json(
            cancelled,
            'Cancellation requested; follow GET /v1/scaleouts/{workflowId}.',
          ),
          ...authErrors,
          '403': json(
            ref('Forbidden'),
            'The token neither requested this run nor has the approver role.',
          ),
          '400': json(
            ref('ValidationError'),
            'The body is not a cancellation (`reason` named).',
          ),
          ...notFound,
          '409': error('The run is already closed.'),
          ...unavailable,
        },
      },
    },
    '/v1/scaleouts/{workflowId}/audit': {
      get: {
        operationId: 'auditScaleOut',
        summary: "The run's audit report, from its Temporal history.",
        parameters: [
          workflowIdParam,
          {
            name: 'format',
            in: 'query',
            schema: {
              type: 'string',
              enum: ['json', 'markdown'],
              default: 'json',
            },
          },
        ],
        responses: {
          '200': {
            description: 'The audit report.',
            content: {
              'application/json': { schema: { type: 'object' } },
              'text/markdown': { schema: { type: 'string' } },
            },
          },
          '400': json(ref('ValidationError'), 'Unknown format.'),
          ...authErrors,
          ...notFound,
          ...unavailable,
        },
      },
    },
  };
}

function decisionOperation(approve: boolean): Json {
  const kind = approve ? 'approve' : 'reject';
  return {
    operationId: `${kind}ScaleOut`,
    summary: `${approve ? 'Approve' : 'Reject'} a run at its approval gate (the workflow's \`decide\` update): a scale-out's after the verified canary, a scale-in's before its first removal, a replacement's before its point of no return.`,
    description:
      (approve
        ? 'The run proceeds (a scale-out with its batch). '
        : 'The run undoes what it changed (a scale-out rolls back the canary) and fails with type ApprovalRejected. ') +
      "Needs the approver role; `by` must be the token's identity (naming anyone else is refused with 403). " +
      'Refused with 409 when that identity is not an approver of the run, when the run has strategy.fourEyes and that identity requested it, or when no decision is awaited.',
    parameters: [workflowIdParam],
    requestBody: {
      required: true,
      content: { 'application/json': { schema: ref('Decision') } },
    },
    responses: {
      '200': json(
        object({
          workflowId: { type: 'string' },
          approve: { type: 'boolean' },
          approval: { type: 'object' },
        }),
        'The decision was accepted.',
      ),
      '400': json(ref('ValidationError'), 'The body is not a decision.'),
      ...authErrors,
      ...forbidden('approver'),
      ...notFound,
      '409': error(
        "The workflow refused the decision (its validator's message), or the run is closed.",
      ),
      ...unavailable,
    },
  };
}

export function decisionPaths(): Json {
  return {
    '/v1/scaleouts/{workflowId}/approve': { post: decisionOperation(true) },
    '/v1/scaleouts/{workflowId}/reject': { post: decisionOperation(false) },
  };
}
