/** The OpenAPI components: the request, the decision, and every response shape. */
import { MEMBERSHIP_WORKFLOW_TYPES } from '../../config';
import {
  MAX_DECIDER_LENGTH,
  MAX_REASON_LENGTH,
} from '../../domain/run/decision';
import { type Json, nullableString, object, ref } from './parts';
import {
  replaceRequestJsonSchema,
  scaleInRequestJsonSchema,
  scaleOutRequestJsonSchema,
} from './requestSchema';

const WORKFLOW_TYPE = {
  type: 'string',
  enum: [...MEMBERSHIP_WORKFLOW_TYPES],
  description:
    'scaleOutEtcd (a scale-out), scaleInEtcd (a scale-in) or replaceEtcdMember (a replacement).',
};

const RUN_STATUSES = [
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'TIMED_OUT',
  'CONTINUED_AS_NEW',
  'PAUSED',
  'UNSPECIFIED',
  'UNKNOWN',
];

function errorSchemas(): Record<string, Json> {
  return {
    Error: object({ error: { type: 'string' } }),
    FieldError: object({
      field: {
        type: 'string',
        examples: ['newMembers[1].peerURL', 'ticket.id', '(request)'],
      },
      message: { type: 'string' },
    }),
    ValidationError: object({
      error: { type: 'string' },
      fields: { type: 'array', items: ref('FieldError') },
    }),
    Conflict: object(
      {
        error: { type: 'string' },
        running: {
          ...object(
            {
              workflowId: { type: 'string' },
              runId: { type: 'string' },
              ticket: nullableString,
            },
            ['workflowId'],
          ),
          description: 'Another run of the cluster is in progress: that run.',
        },
        workflowId: {
          type: 'string',
          description:
            "The same ticket with another request: the ticket's existing run.",
        },
        runId: { type: 'string' },
        differences: {
          type: 'array',
          items: { type: 'string' },
          description:
            "The request fields that differ from that run's request, as dotted paths (e.g. newMembers.1.host).",
        },
      },
      ['error'],
    ),
    Forbidden: object(
      {
        error: { type: 'string' },
        identity: { type: 'string', description: "The token's identity." },
        needs: { type: 'string', enum: ['requester', 'approver'] },
      },
      ['error', 'identity'],
    ),
    Refused: object(
      {
        error: { type: 'string' },
        reason: { type: 'string', description: "Temporal's own reason." },
        hint: {
          type: 'string',
          description: 'What to do about it, when known.',
        },
      },
      ['error', 'reason'],
    ),
  };
}

function runSchemas(): Record<string, Json> {
  const summary = object(
    {
      workflowId: { type: 'string' },
      runId: { type: 'string' },
      workflowType: WORKFLOW_TYPE,
      status: { type: 'string', enum: RUN_STATUSES },
      cluster: nullableString,
      ticket: nullableString,
      requestedBy: nullableString,
      phase: nullableString,
      summary: nullableString,
      startTime: { type: 'string', format: 'date-time' },
      closeTime: { type: ['string', 'null'], format: 'date-time' },
    },
    ['workflowId', 'runId', 'status'],
  );
  const status = {
    type: 'object',
    properties: {
      historyLength: { type: 'integer' },
      progress: {
        type: 'object',
        description:
          "The workflow's `progress` query: phase, step, members with their state and timings, backup, approval, undone.",
      },
      progressError: { type: 'string' },
      result: {
        type: 'object',
        description:
          "When COMPLETED: members before/after, etcdServers for kube-apiserver, the apiservers told (with kubeadm's copies of the list: each node's kubeadmConfig, the kubeadmConfigMap, and apiservers.kubeadm in words), memberEnvFiles (each member's env file given the full member list), inventoryChange (the new hosts for the inventory's etcd group, in its form; a scale-in's or replacement's members to take out of it), timings, backup, approval, warnings.",
      },
      failure: {
        type: 'object',
        properties: {
          type: nullableString,
          message: { type: 'string' },
          details: {},
        },
        description: 'When FAILED, CANCELLED, TERMINATED or TIMED_OUT.',
      },
    },
  };
  return {
    Started: object({
      workflowId: { type: 'string' },
      runId: { type: 'string' },
      workflowType: WORKFLOW_TYPE,
      alreadyStarted: { type: 'boolean' },
      status: { type: 'string' },
      url: { type: 'string' },
    }),
    Summary: summary,
    Status: { allOf: [ref('Summary'), status] },
    List: object({
      query: { type: 'string' },
      count: { type: 'integer' },
      items: { type: 'array', items: ref('Summary') },
    }),
    Health: object({
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      temporal: object(
        {
          reachable: { type: 'boolean' },
          namespace: { type: 'string' },
          latencyMs: { type: 'number' },
          error: {
            type: 'string',
            description:
              "The API's own words; Temporal's error text goes to the server's log only (this route needs no token).",
          },
        },
        ['reachable'],
      ),
    }),
  };
}

export function componentSchemas(): Record<string, Json> {
  return {
    ScaleOutRequest: scaleOutRequestJsonSchema(),
    ScaleInRequest: scaleInRequestJsonSchema(),
    ReplaceRequest: replaceRequestJsonSchema(),
    Cancellation: {
      type: 'object',
      properties: {
        reason: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_REASON_LENGTH,
          description:
            "Why: kept in the run's history with who asked, shown by the audit report.",
        },
      },
      additionalProperties: false,
    },
    Decision: {
      type: 'object',
      properties: {
        by: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_DECIDER_LENGTH,
          description:
            "Who decides: the token's identity (any other name is refused with 403), which must be one of strategy.approvers when the request lists them.",
        },
        reason: { type: 'string', maxLength: MAX_REASON_LENGTH },
      },
      required: ['by'],
      additionalProperties: false,
    },
    ...errorSchemas(),
    ...runSchemas(),
  };
}
