/**
 * Starting and following runs: shared by the CLI, the demo and the tests.
 */
import { workflowIdFor } from '../domain/runNames';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { taskQueue, temporalAddress, temporalNamespace, WORKFLOW_TYPE } from '../config';
import { formatErrors, validateRequest, type ScaleOutRequest } from '../domain/request';
import { EtcdCluster, RequestedBy, ScaleOutPhase, TicketId } from '../workflows/searchAttributes';
import type { scaleOutEtcd } from '../workflows';

export async function connectClient(options: { address?: string; namespace?: string } = {}): Promise<Client> {
  const connection = await Connection.connect({ address: options.address ?? temporalAddress(), connectTimeout: 5_000 });
  return new Client({ connection, namespace: options.namespace ?? temporalNamespace() });
}


export class InvalidRequestError extends Error {
  constructor(readonly errors: { field: string; message: string }[]) {
    super(`invalid request: ${formatErrors(errors)}`);
  }
}

export interface Started {
  handle: WorkflowHandle<typeof scaleOutEtcd>;
  workflowId: string;
  alreadyStarted: boolean;
}

/** Validates, then starts (or finds the run already started for the same ticket). */
export async function startScaleOut(client: Client, raw: unknown, options: { workflowId?: string; taskQueue?: string } = {}): Promise<Started> {
  const v = validateRequest(raw);
  if (!v.ok) throw new InvalidRequestError(v.errors);
  const request = v.request;
  const workflowId = options.workflowId ?? workflowIdFor(request);
  const from = request.cluster.endpoints.length;
  try {
    const handle = await client.workflow.start<typeof scaleOutEtcd>(WORKFLOW_TYPE, {
      taskQueue: options.taskQueue ?? taskQueue(),
      workflowId,
      // One run per ticket: a ticket whose run succeeded keeps that run; a failed one may be retried.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      args: [raw],
      typedSearchAttributes: [
        { key: EtcdCluster, value: request.cluster.name },
        { key: TicketId, value: request.ticket?.id ?? '' },
        { key: RequestedBy, value: request.ticket?.requestedBy ?? '' },
        { key: ScaleOutPhase, value: 'validate' },
      ],
      memo: { summary: `${from} -> ${from + request.newMembers.length} members${request.ticket ? `, ticket ${request.ticket.id}` : ''}` },
    });
    return { handle, workflowId, alreadyStarted: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { handle: client.workflow.getHandle(workflowId), workflowId, alreadyStarted: true };
    }
    throw err;
  }
}

/** A run's labels, from the search attributes set at start and by the workflow itself. */
export function runLabels(sa: TypedSearchAttributes): { cluster?: string; ticket?: string; requestedBy?: string; phase?: string } {
  return {
    cluster: sa.get(EtcdCluster) || undefined,
    ticket: sa.get(TicketId) || undefined,
    requestedBy: sa.get(RequestedBy) || undefined,
    phase: sa.get(ScaleOutPhase) || undefined,
  };
}

/**
 * The visibility query for scale-out runs. Callers pass values already matched against strict
 * patterns (NAME, TICKET, a status enum), so no quote can reach the query.
 */
export function scaleOutRunsQuery(filter: { cluster?: string; ticket?: string; status?: string }): string {
  const clauses = [`WorkflowType = "${WORKFLOW_TYPE}"`];
  if (filter.cluster) clauses.push(`${EtcdCluster.name} = "${filter.cluster}"`);
  if (filter.ticket) clauses.push(`${TicketId.name} = "${filter.ticket}"`);
  if (filter.status) clauses.push(`ExecutionStatus = "${filter.status}"`);
  return clauses.join(' AND ');
}
