/** A decision at the approval gate, sent as the workflow's validated `decide` update. */
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  type ApprovalState,
  type Decision,
  decideUpdate,
} from '../workflows/run/messages';

/** How long a decision may wait for a worker to run the update. */
export const DECIDE_DEADLINE_MS = 60_000;

/** The workflow's validator refused the decision; `reason` is its message. */
export class DecisionRefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DecisionRefusedError';
  }
}

export async function sendDecision(
  client: Client,
  workflowId: string,
  runId: string | undefined,
  decision: Decision,
): Promise<ApprovalState> {
  try {
    return await client.withDeadline(Date.now() + DECIDE_DEADLINE_MS, () =>
      client.workflow
        .getHandle(workflowId, runId)
        .executeUpdate(decideUpdate, { args: [decision] }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new DecisionRefusedError(
        err.cause instanceof Error ? err.cause.message : err.message,
      );
    throw err;
  }
}
