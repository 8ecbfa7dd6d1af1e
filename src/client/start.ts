/** Starting a scale-out: validated first, one run per ticket, labelled for the list and the UI. */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { taskQueue, WORKFLOW_TYPE } from '../config';
import { type FieldError, formatErrors } from '../domain/request';
import { workflowIdFor } from '../domain/runNames';
import {
  type RequestLabels,
  validateSubmittedRequest,
} from '../domain/submittedRequest';
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
import { runDetailsMarkdown, runSummaryLine } from './runText';

export class InvalidRequestError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`invalid request: ${formatErrors(errors)}`);
  }
}

export interface Started {
  handle: WorkflowHandle<typeof scaleOutEtcd>;
  workflowId: string;
  alreadyStarted: boolean;
}

/**
 * Validates, then starts (or finds the run already started for the same ticket, if it was started
 * with the same request; RequestConflictError if not).
 */
export async function startScaleOut(
  client: Client,
  raw: unknown,
  options: { workflowId?: string; taskQueue?: string } = {},
): Promise<Started> {
  // The cluster's profile is on the worker: a request that names only its cluster is checked there.
  const v = validateSubmittedRequest(raw);
  if (!v.ok) throw new InvalidRequestError(v.errors);
  // A request over a profile shows no strategy of its own: the profile may fix it.
  const request: RequestLabels =
    v.kind === 'inline' ? v.request : { ...v.request, strategy: undefined };
  const workflowId = options.workflowId ?? workflowIdFor(request);
  const summary = runSummaryLine(request);
  try {
    const handle = await client.workflow.start<typeof scaleOutEtcd>(
      WORKFLOW_TYPE,
      {
        taskQueue: options.taskQueue ?? taskQueue(),
        workflowId,
        // One run per ticket: a ticket whose run succeeded keeps that run; a failed one may be retried.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        args: [raw],
        typedSearchAttributes: [
          { key: EtcdCluster, value: request.cluster.name },
          { key: TicketId, value: request.ticket?.id ?? '' },
          { key: RequestedBy, value: request.ticket?.requestedBy ?? '' },
          { key: ScaleOutPhase, value: PHASES[0] }, // the run's first phase, until it upserts its own
        ],
        // The memo carries the summary for the list (visibility does not return the UI summary).
        memo: { summary },
        staticSummary: summary,
        staticDetails: runDetailsMarkdown(request),
      },
    );
    return { handle, workflowId, alreadyStarted: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const handle = client.workflow.getHandle<typeof scaleOutEtcd>(workflowId);
      await checkSameRequest(
        client,
        workflowId,
        (await handle.describe()).runId,
        raw,
      );
      return { handle, workflowId, alreadyStarted: true };
    }
    throw explainRefusal(err, `start ${workflowId}`, client.options.namespace);
  }
}
