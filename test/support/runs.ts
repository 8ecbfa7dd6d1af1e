/** Starting runs in tests, straight through the Temporal client (no client-side validation). */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { WORKFLOW_TYPE } from '../../src/config';
import { EtcdCluster, ScaleOutPhase } from '../../src/workflows/searchAttributes';
import type { ScaleOutResult, scaleOutEtcd } from '../../src/workflows';
import { getStack } from './stack';

export async function startRaw(input: unknown, workflowId = `test-${randomUUID()}`): Promise<WorkflowHandle<typeof scaleOutEtcd>> {
  const { client, taskQueue } = await getStack();
  return client.workflow.start<typeof scaleOutEtcd>(WORKFLOW_TYPE, {
    taskQueue,
    workflowId,
    args: [input],
    typedSearchAttributes: [
      { key: EtcdCluster, value: 'test' },
      { key: ScaleOutPhase, value: 'validate' },
    ],
  });
}

export type Outcome = { ok: true; result: ScaleOutResult } | { ok: false; failure: ApplicationFailure; message: string; details: any };

/** Waits for the run and returns its result or its application failure (never throws for a failed run). */
export async function outcome(handle: WorkflowHandle<typeof scaleOutEtcd>): Promise<Outcome> {
  try {
    return { ok: true, result: await handle.result() };
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      return { ok: false, failure: err.cause, message: err.cause.message, details: err.cause.details?.[0] };
    }
    throw err;
  }
}
