/**
 * Starting a run, of any kind (./runKinds.ts): the request checked first, one run per ticket and kind
 * (`scaleout-`, `scalein-`, `replace-<cluster>_<ticket>`), labelled for the list and the UI. A ticket
 * whose run exists is answered with that run when the request is the same, and refused naming the
 * fields that differ when it is not.
 */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { taskQueue } from '../config';
import { type FieldError, formatErrors } from '../domain/request/request';
import { workflowIdFor } from '../domain/run/runNames';
import { settingsOf } from '../temporal/connect';
import type { scaleOutEtcd } from '../workflows';
import { PHASES } from '../workflows/run/messages';
import {
  EtcdCluster,
  RequestedBy,
  ScaleOutPhase,
  TicketId,
} from '../workflows/run/searchAttributes';
import { explainRefusal } from './refusal';
import { checkSameRequest } from './requestConflict';
import { RUN_KIND, type RunKind, runKindOf } from './runKinds';

export class InvalidRequestError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`invalid request: ${formatErrors(errors)}`);
  }
}

export interface Started<W extends Workflow = Workflow> {
  handle: WorkflowHandle<W>;
  workflowId: string;
  alreadyStarted: boolean;
  kind: RunKind;
  workflowType: string;
}

/**
 * How long a worker may hold one workflow task: 5 s (the server's default is 10 s). A worker that is
 * SIGKILLed while it holds one (prepare-ahead runs workflow tasks while a member catches up) leaves the
 * run standing still until this runs out: measured on temporal-server, 1 kill in 12 moved on 10.5 s
 * after the kill, where the others took 7.4-7.9 s (the heartbeat and sticky-queue settings,
 * src/worker/create.ts). A workflow task takes milliseconds (the first of a run 40-65 ms, a replay of a
 * few hundred events tens of ms on a loaded 2-core host), so 5 s is reached only by a dead or frozen
 * worker; the cost of a miss is one WORKFLOW_TASK_TIMED_OUT and the task again on any worker.
 */
export const WORKFLOW_TASK_TIMEOUT = '5s';

export interface StartOptions {
  workflowId?: string;
  taskQueue?: string;
  /** The kind to start; default: the request's own (runKindOf). */
  kind?: RunKind;
}

/**
 * Checks, then starts the request's run (or finds the run already started for the same ticket, if it
 * was started with the same request; RequestConflictError if not).
 */
export async function startRun(
  client: Client,
  raw: unknown,
  options: StartOptions = {},
): Promise<Started> {
  const spec = RUN_KIND[options.kind ?? runKindOf(raw)];
  // The cluster's profile is on the worker: a request that names only its cluster is checked there.
  const v = spec.check(raw);
  if (!v.ok) throw new InvalidRequestError(v.errors);
  const { request } = v;
  const workflowId =
    options.workflowId ?? workflowIdFor(request, Date.now(), spec.kind);
  const started = (handle: WorkflowHandle, alreadyStarted: boolean) => ({
    handle,
    workflowId,
    alreadyStarted,
    kind: spec.kind,
    workflowType: spec.workflowType,
  });
  try {
    const handle = await client.workflow.start(spec.workflowType, {
      taskQueue: options.taskQueue ?? taskQueue(),
      workflowId,
      // One run per ticket: a ticket whose run succeeded keeps that run; a failed one may be retried.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
      args: [raw],
      typedSearchAttributes: [
        { key: EtcdCluster, value: request.cluster.name },
        { key: TicketId, value: request.ticket?.id ?? '' },
        { key: RequestedBy, value: request.ticket?.requestedBy ?? '' },
        { key: ScaleOutPhase, value: PHASES[0] }, // the run's first phase, until it upserts its own
      ],
      // The memo carries the summary for the list (visibility does not return the UI summary).
      memo: { summary: request.summary },
      staticSummary: request.summary,
      staticDetails: request.details,
    });
    return started(handle, false);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const handle = client.workflow.getHandle(workflowId);
      await checkSameRequest(
        client,
        workflowId,
        (await handle.describe()).runId,
        raw,
        spec.kind,
      );
      return started(handle, true);
    }
    throw explainRefusal(
      err,
      `start ${workflowId}`,
      client.options.namespace,
      settingsOf(client.connection),
    );
  }
}

/** A scale-out, whatever the request says (a request of another kind is refused by the scale-out's check). */
export const startScaleOut = (
  client: Client,
  raw: unknown,
  options: Omit<StartOptions, 'kind'> = {},
): Promise<Started<typeof scaleOutEtcd>> =>
  startRun(client, raw, { ...options, kind: 'scaleout' }) as Promise<
    Started<typeof scaleOutEtcd>
  >;
