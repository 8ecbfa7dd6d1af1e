/**
 * A run as the CLI and the API show it: its labels (search attributes set at start and by the
 * workflow), its summary for lists, and its status with the live progress and the outcome.
 */
import type {
  Client,
  WorkflowExecutionDescription,
  WorkflowExecutionInfo,
} from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import type {
  ReplaceResult,
  ScaleInResult,
  ScaleOutResult,
} from '../workflows';
import { type Progress, progressQuery } from '../workflows/run/messages';
import {
  EtcdCluster,
  RequestedBy,
  ScaleOutPhase,
  TicketId,
} from '../workflows/run/searchAttributes';
import { type FlatFailure, flattenFailure } from './failure';
import { GrpcStatus, grpcCode, grpcDetails } from './grpc';

export interface RunLabels {
  cluster?: string;
  ticket?: string;
  requestedBy?: string;
  phase?: string;
}

export function runLabels(sa: TypedSearchAttributes): RunLabels {
  return {
    cluster: sa.get(EtcdCluster) || undefined,
    ticket: sa.get(TicketId) || undefined,
    requestedBy: sa.get(RequestedBy) || undefined,
    phase: sa.get(ScaleOutPhase) || undefined,
  };
}

export interface RunSummary extends RunLabels {
  workflowId: string;
  runId: string;
  /** scaleOutEtcd, scaleInEtcd or replaceEtcdMember. */
  workflowType: string;
  /** Temporal's execution status name: RUNNING, COMPLETED, FAILED, ... */
  status: string;
  /** The one-line summary set at start (memo). */
  summary?: string;
  startTime: string;
  closeTime?: string;
}

/** From a list entry or a description (both carry these fields). */
export function runSummary(
  info: Pick<
    WorkflowExecutionInfo,
    | 'workflowId'
    | 'runId'
    | 'type'
    | 'status'
    | 'typedSearchAttributes'
    | 'memo'
    | 'startTime'
    | 'closeTime'
  >,
): RunSummary {
  const memo = info.memo as { summary?: unknown } | undefined;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.type,
    status: info.status.name,
    ...runLabels(info.typedSearchAttributes),
    ...(typeof memo?.summary === 'string' ? { summary: memo.summary } : {}),
    startTime: info.startTime.toISOString(),
    ...(info.closeTime ? { closeTime: info.closeTime.toISOString() } : {}),
  };
}

/** What a completed run returns: a scale-out's, a scale-in's or a replacement's result. */
export type RunResult = ScaleOutResult | ScaleInResult | ReplaceResult;

export interface RunStatus {
  progress?: Progress;
  /** Why the progress query got no answer (no worker, a deadline). */
  progressError?: string;
  /** The server could not be reached for the query: callers that exit on it can tell. */
  progressUnreachable?: boolean;
  /** The run's result, as its workflow type returns it. */
  result?: RunResult;
  failure?: FlatFailure;
}

/** The live progress (a query: needs a worker), and the result or failure once the run closed. */
export async function runStatus(
  client: Client,
  d: WorkflowExecutionDescription,
  progressTimeoutMs: number,
): Promise<RunStatus> {
  const handle = client.workflow.getHandle(d.workflowId, d.runId);
  const out: RunStatus = {};
  try {
    out.progress = await client.withDeadline(
      Date.now() + progressTimeoutMs,
      () => handle.query(progressQuery),
    );
  } catch (err) {
    const code = grpcCode(err);
    const detail = [(err as Error).message, grpcDetails(err)]
      .filter(Boolean)
      .join(': ');
    out.progressError = `the progress query got no answer${code === GrpcStatus.DEADLINE_EXCEEDED ? ` within ${progressTimeoutMs / 1000} s` : ''} (is a worker polling task queue ${d.taskQueue}?): ${detail}`;
    if (code === GrpcStatus.UNAVAILABLE) out.progressUnreachable = true;
  }
  if (d.status.name === 'COMPLETED') out.result = await handle.result();
  else if (d.status.name !== 'RUNNING') {
    try {
      await handle.result();
    } catch (err) {
      out.failure = flattenFailure(err);
    }
  }
  return out;
}
