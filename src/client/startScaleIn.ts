/**
 * Starting a scale-in: the names to remove and the ticket checked first (the rest is resolved over the
 * cluster's profile on the worker), one run per ticket (`scalein-<cluster>_<ticket>`), labelled for
 * the UI like a scale-out.
 */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { z } from 'zod';
import { SCALE_IN_WORKFLOW_TYPE, taskQueue } from '../config';
import { zodFieldErrors } from '../domain/request';
import { TicketSchema } from '../domain/requestParts';
import { workflowIdFor } from '../domain/runNames';
import { RemoveMembersSchema } from '../domain/scaleInRequest';

export { isScaleInRequest } from '../domain/scaleInRequest';

import type { scaleInEtcd } from '../workflows';
import { PHASES } from '../workflows/run/messages';
import {
  EtcdCluster,
  RequestedBy,
  ScaleOutPhase,
  TicketId,
} from '../workflows/run/searchAttributes';
import { explainRefusal } from './refusal';
import { InvalidRequestError } from './start';

/** What the client checks of a scale-in request; the worker validates it whole. */
const SubmittedScaleIn = z
  .object({
    cluster: z.looseObject({ name: z.string('must be the cluster name') }),
    removeMembers: RemoveMembersSchema,
    ticket: TicketSchema.optional(),
  })
  .loose();

export async function startScaleIn(
  client: Client,
  raw: unknown,
  options: { workflowId?: string; taskQueue?: string } = {},
): Promise<{
  handle: WorkflowHandle<typeof scaleInEtcd>;
  workflowId: string;
  alreadyStarted: boolean;
}> {
  const v = SubmittedScaleIn.safeParse(raw);
  if (!v.success) throw new InvalidRequestError(zodFieldErrors(v.error.issues));
  const request = v.data;
  const workflowId =
    options.workflowId ?? workflowIdFor(request, Date.now(), 'scalein');
  const summary = `${request.cluster.name}: remove ${request.removeMembers.join(', ')}${request.ticket ? `, ticket ${request.ticket.id}` : ''}`;
  try {
    const handle = await client.workflow.start<typeof scaleInEtcd>(
      SCALE_IN_WORKFLOW_TYPE,
      {
        taskQueue: options.taskQueue ?? taskQueue(),
        workflowId,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        args: [raw],
        typedSearchAttributes: [
          { key: EtcdCluster, value: request.cluster.name },
          { key: TicketId, value: request.ticket?.id ?? '' },
          { key: RequestedBy, value: request.ticket?.requestedBy ?? '' },
          { key: ScaleOutPhase, value: PHASES[0] },
        ],
        memo: { summary },
        staticSummary: summary,
      },
    );
    return { handle, workflowId, alreadyStarted: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      return {
        handle: client.workflow.getHandle<typeof scaleInEtcd>(workflowId),
        workflowId,
        alreadyStarted: true,
      };
    throw explainRefusal(err, `start ${workflowId}`, client.options.namespace);
  }
}
