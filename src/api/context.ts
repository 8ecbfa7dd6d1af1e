/** What every route group gets: the client, the task queue, the guard; and the JSON shapes they share. */
import type { Client } from '@temporalio/client';
import type { FlatFailure, RunSummary } from '../client';
import type { ClusterGuard } from './clusterGuard';

export interface ApiContext {
  client: Client;
  taskQueue: string;
  guard: ClusterGuard;
}

/** The API's run summary: every label present, null when unknown. */
export const summaryJson = (s: RunSummary) => ({
  workflowId: s.workflowId,
  runId: s.runId,
  workflowType: s.workflowType,
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
