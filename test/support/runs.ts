/** Starting runs in tests straight through the Temporal client (no client-side validation), and waiting on them. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Lab } from '../../lab';
import { sleep } from '../../lab/processes';
import { startRun } from '../../src/client';
import { WORKFLOW_TYPE } from '../../src/config';
import {
  type Progress,
  progressQuery,
  type ScaleInResult,
  type ScaleOutResult,
  type scaleOutEtcd,
} from '../../src/workflows';
import {
  EtcdCluster,
  ScaleOutPhase,
} from '../../src/workflows/run/searchAttributes';
import { getStack } from './stack';

export type RunHandle = WorkflowHandle<typeof scaleOutEtcd>;

export async function startRaw(
  input: unknown,
  workflowId = `test-${randomUUID()}`,
): Promise<RunHandle> {
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

/** A scale-in request for the lab: its scale-out request's settings, without newMembers, plus `extra`. */
export function scaleInRequest(
  lab: Lab,
  removeMembers: string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const { newMembers: _, ...settings } = lab.request() as Record<
    string,
    unknown
  >;
  return { ...settings, removeMembers, ...extra };
}

/**
 * Runs a scale-in to its end through the client's one start path (src/client/start.ts: the entry
 * points' check of the request, the run's labels) on the suite's worker, under a run id of its own
 * (the lab's ticket is the same for every run of a lab): its result or its failure.
 */
export async function runScaleIn(
  request: Record<string, unknown>,
  workflowId = `test-scale-in-${randomUUID()}`,
): Promise<Outcome<ScaleInResult>> {
  const { client, taskQueue } = await getStack();
  const { handle, kind } = await startRun(client, request, {
    taskQueue,
    workflowId,
  });
  assert.equal(kind, 'scalein', 'a request with removeMembers is a scale-in');
  return outcome<ScaleInResult>(
    handle as WorkflowHandle & { result(): Promise<ScaleInResult> },
  );
}

export type Outcome<R = ScaleOutResult> =
  | { ok: true; result: R }
  | { ok: false; failure: ApplicationFailure; message: string; details: any };

/** Waits for the run and returns its result or its application failure (never throws for a failed run). */
export async function outcome<R = ScaleOutResult>(handle: {
  result(): Promise<R>;
}): Promise<Outcome<R>> {
  try {
    return { ok: true, result: await handle.result() };
  } catch (err) {
    if (
      err instanceof WorkflowFailedError &&
      err.cause instanceof ApplicationFailure
    ) {
      return {
        ok: false,
        failure: err.cause,
        message: err.cause.message,
        details: err.cause.details?.[0],
      };
    }
    throw err;
  }
}

/** Polls the `progress` query until `pred` holds (the deterministic trigger for a fault at a phase). */
export async function waitForProgress(
  handle: RunHandle,
  pred: (p: Progress) => boolean,
  what: string,
  timeoutMs = 180_000,
): Promise<Progress> {
  const deadline = Date.now() + timeoutMs;
  let last: Progress | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(progressQuery);
      if (pred(last)) return last;
    } catch {
      // the first workflow task has not run yet
    }
    await sleep(100);
  }
  throw new Error(
    `progress never reached: ${what}; last: ${JSON.stringify(last)}`,
  );
}

/**
 * Makes a new host's etcd unable to start, so the run rolls back: once the run has reached
 * `reached` (by default its canary phase, after preflight, which rightly refuses a busy port),
 * something else takes the host's peer port 2380. Close the returned server after the test.
 */
export async function takePeerPortOnce(
  handle: RunHandle,
  host: { address: string },
  reached: (p: Progress) => boolean = (p) => p.phase === 'canary',
): Promise<Server> {
  await waitForProgress(handle, reached, 'the point to take the peer port');
  const server = createServer();
  // A port that is taken already fails the test here, not as an uncaught error beside it.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(2380, host.address, resolve);
  });
  return server;
}
