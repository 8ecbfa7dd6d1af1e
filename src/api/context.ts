/** What every route group gets: the client, the task queue, the guard; and the run lookups they share. */
import {
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { FlatFailure, RunSummary } from '../client';
import { WORKFLOW_TYPE } from '../config';
import type { scaleOutEtcd } from '../workflows';
import type { ClusterGuard } from './clusterGuard';
import { HttpError } from './errors';

export interface ApiContext {
  client: Client;
  taskQueue: string;
  guard: ClusterGuard;
}

/** Workflow IDs are at most this long in Temporal's default limits (limit.maxIDLength). */
const MAX_WORKFLOW_ID_LENGTH = 1000;

/** The run, if it is a scale-out; 404 otherwise. */
export async function describeScaleOut(
  client: Client,
  workflowId: string,
): Promise<{
  handle: WorkflowHandle<typeof scaleOutEtcd>;
  d: WorkflowExecutionDescription;
}> {
  if (!workflowId || workflowId.length > MAX_WORKFLOW_ID_LENGTH)
    throw new HttpError(404, `no scale-out ${JSON.stringify(workflowId)}`);
  const d = await client.workflow.getHandle(workflowId).describe();
  if (d.type !== WORKFLOW_TYPE)
    throw new HttpError(
      404,
      `no scale-out ${workflowId} (it is a ${d.type} workflow)`,
    );
  return {
    handle: client.workflow.getHandle<typeof scaleOutEtcd>(workflowId, d.runId),
    d,
  };
}

export async function describeOrUndefined(
  client: Client,
  workflowId: string,
): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The API's run summary: every label present, null when unknown. */
export const summaryJson = (s: RunSummary) => ({
  workflowId: s.workflowId,
  runId: s.runId,
  status: s.status,
  cluster: s.cluster ?? null,
  ticket: s.ticket ?? null,
  requestedBy: s.requestedBy ?? null,
  phase: s.phase ?? null,
  summary: s.summary ?? null,
  startTime: s.startTime,
  closeTime: s.closeTime ?? null,
});

/** The API's failure: its type (null when it has none), message, and the workflow's details record. */
export const failureJson = (f: FlatFailure) => ({
  type: f.type ?? null,
  message: f.message,
  ...(f.details?.length ? { details: f.details[0] } : {}),
});
