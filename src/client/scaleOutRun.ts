/**
 * One scale-out (or scale-in) run by its workflow ID, for the CLI and the API alike: found only if it
 * is a scaleOutEtcd or scaleInEtcd workflow (so `cancel` cannot reach another workflow of the namespace), and acted on
 * by the run ID it was described with (a newer run under the same ID is not touched by mistake).
 */

import { randomUUID } from 'node:crypto';
import {
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { MEMBERSHIP_WORKFLOW_TYPES } from '../config';
import {
  DECEPTIVE_CHARS,
  DECEPTIVE_TEXT_RULE,
} from '../domain/request/patterns';
import { MAX_REASON_LENGTH } from '../domain/run/decision';
import type { scaleOutEtcd } from '../workflows';
import { GrpcStatus, grpcCode } from './grpc';

/** Workflow IDs are at most this long in Temporal's default limits (limit.maxIDLength). */
const MAX_WORKFLOW_ID_LENGTH = 1000;

/** The ID names no scale-out: it is empty, too long, or another type of workflow. */
export class NotAScaleOutError extends Error {
  constructor(
    readonly workflowId: string,
    readonly type?: string,
  ) {
    super(
      `no scale-out ${JSON.stringify(workflowId)}${type ? ` (it is a ${type} workflow)` : ''}`,
    );
    this.name = 'NotAScaleOutError';
  }
}

/** What was asked of the run needs it running, and it has ended. */
export class RunEndedError extends Error {
  constructor(
    readonly workflowId: string,
    readonly action: 'cancel' | 'approve' | 'reject',
    /** Temporal's status name: COMPLETED, FAILED, CANCELLED, ... */
    readonly status: string,
  ) {
    super(
      action === 'cancel'
        ? `cannot cancel ${workflowId}: the run has already ended (${status})`
        : `cannot ${action} ${workflowId}: no decision is awaited, the run has ended (${status})`,
    );
    this.name = 'RunEndedError';
  }
}

export interface ScaleOutRun {
  handle: WorkflowHandle<typeof scaleOutEtcd>;
  d: WorkflowExecutionDescription;
}

/** The run, if it is a scale-out: WorkflowNotFoundError when unknown, NotAScaleOutError when not one. */
export async function describeScaleOut(
  client: Client,
  workflowId: string,
): Promise<ScaleOutRun> {
  if (!workflowId || workflowId.length > MAX_WORKFLOW_ID_LENGTH)
    throw new NotAScaleOutError(workflowId);
  const d = await client.workflow.getHandle(workflowId).describe();
  if (!MEMBERSHIP_WORKFLOW_TYPES.includes(d.type))
    throw new NotAScaleOutError(workflowId, d.type);
  return {
    handle: client.workflow.getHandle<typeof scaleOutEtcd>(workflowId, d.runId),
    d,
  };
}

/** Any workflow's description, undefined when the ID is unknown (the start's one-run-per-ticket check). */
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

/** Refuses `action` on a run that has ended. */
export function mustBeRunning(
  d: WorkflowExecutionDescription,
  action: RunEndedError['action'],
): void {
  if (d.status.name !== 'RUNNING')
    throw new RunEndedError(d.workflowId, action, d.status.name);
}

/** Who asks for a cancellation, as the history records it (the event's identity and cause). */
export interface CancelledBy {
  identity: string;
  reason: string;
}

/** What is wrong with a cancellation's reason (free text kept in the history, shown by the audit), or undefined. */
export function cancelReasonProblem(reason: unknown): string | undefined {
  if (typeof reason !== 'string') return 'must be a string';
  if (!reason.trim()) return 'must say why (or be left out)';
  if (reason.length > MAX_REASON_LENGTH)
    return `is too long (at most ${MAX_REASON_LENGTH} characters)`;
  if (DECEPTIVE_CHARS.test(reason)) return DECEPTIVE_TEXT_RULE;
  return undefined;
}

/**
 * Requests the run's cancellation (it then undoes what it changed); refused when it has ended. With
 * `by`, the request names who asked and why: RequestCancelWorkflowExecution's identity and reason,
 * which the history keeps in the cancel-requested event (and the audit report shows).
 */
export async function cancelScaleOut(
  client: Client,
  workflowId: string,
  by?: CancelledBy,
): Promise<WorkflowExecutionDescription> {
  const run = await describeScaleOut(client, workflowId);
  await requestCancellation(client, run, by);
  return run.d;
}

/** Cancels a run already described (the API checks who may, first); refused when it has ended. */
export async function requestCancellation(
  client: Client,
  { handle, d }: ScaleOutRun,
  by?: CancelledBy,
): Promise<void> {
  mustBeRunning(d, 'cancel');
  if (!by) {
    await handle.cancel();
    return;
  }
  try {
    await client.workflowService.requestCancelWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: { workflowId: d.workflowId, runId: d.runId },
      identity: by.identity,
      reason: by.reason,
      requestId: randomUUID(),
    });
  } catch (err) {
    // The run closed between the describe and the cancel.
    if (grpcCode(err) === GrpcStatus.NOT_FOUND)
      throw new RunEndedError(d.workflowId, 'cancel', 'closed');
    throw err;
  }
}
