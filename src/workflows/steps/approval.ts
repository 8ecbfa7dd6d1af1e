/**
 * approval: optionally, a human looks at the verified canary before the batch. Decisions arrive as
 * the `decide` update (validated: refused with the reason) or as the `approve`/`reject` signals of the
 * UI's form (an invalid one is ignored and logged). After strategy.approvalTimeout the canary is
 * rolled back, or kept with onApprovalTimeout "keep-canary".
 */
import {
  ApplicationFailure,
  condition,
  log,
  setHandler,
} from '@temporalio/workflow';
import { ErrorType } from '../../domain/errors';
import type { ClusterSettings } from '../../domain/request/request';
import { decisionProblem } from '../../domain/run/decision';
import {
  approveSignal,
  type Decision,
  decideUpdate,
  rejectSignal,
} from '../run/messages';
import type { Run } from '../run/run';

/** Who may decide: the approvers, and under four eyes the requester who may not. */
export interface DecisionRules {
  approvers?: string[];
  /** ticket.requestedBy, when strategy.fourEyes. */
  requester?: string;
}

/** The rules of a validated request. */
export const decisionRules = (request: ClusterSettings): DecisionRules => ({
  approvers: request.strategy.approvers,
  ...(request.strategy.fourEyes
    ? { requester: request.ticket?.requestedBy }
    : {}),
});

/**
 * Registered when the run starts, before validate reads the cluster's profile, so a decision sent
 * early is refused with the reason, not for a missing handler; the rules are known once the request
 * is (`rules`).
 */
export function listenForDecisions(run: Run, rules: () => DecisionRules): void {
  const check = (d: Decision): string | undefined => {
    if (typeof d?.approve !== 'boolean')
      return 'a decision is { approve: boolean, by: string, reason?: string }';
    const { approvers, requester } = rules();
    const problem = decisionProblem(d, approvers, requester);
    if (problem) return problem;
    if (run.progress.approval.state !== 'waiting')
      return `no decision is awaited: the run is in phase ${run.progress.phase} (approval ${run.progress.approval.state})`;
    return undefined;
  };
  const accept = (d: Decision) => {
    run.decision = {
      approve: d.approve,
      by: d.by,
      ...(d.reason ? { reason: d.reason } : {}),
    };
    return run.progress.approval;
  };
  setHandler(decideUpdate, async (d) => accept(d), {
    validator: (d) => {
      const problem = check(d);
      if (problem) throw new Error(problem);
    },
  });
  for (const [signal, approve] of [
    [approveSignal, true],
    [rejectSignal, false],
  ] as const) {
    setHandler(signal, (d: Decision) => {
      const decision = { ...(d ?? {}), approve } as Decision;
      const problem = check(decision);
      if (problem)
        log.warn(
          `ignored ${approve ? 'approve' : 'reject'} signal: ${problem}`,
        );
      else accept(decision);
    });
  }
}

export async function approval(
  run: Run,
  request: ClusterSettings,
): Promise<'proceed' | 'keep-canary'> {
  const a = run.progress.approval;
  a.required = true;
  a.state = 'waiting';
  a.waitingSince = new Date().toISOString();
  a.deadline = new Date(
    Date.now() + request.strategy.approvalTimeout * 1000,
  ).toISOString();
  run.changed();
  const decided = await condition(
    () => run.decision !== undefined,
    request.strategy.approvalTimeout * 1000,
  );
  if (!decided) {
    a.state = 'timed-out';
    run.changed();
    if (request.strategy.onApprovalTimeout === 'keep-canary')
      return 'keep-canary';
    throw ApplicationFailure.create({
      type: ErrorType.ApprovalTimedOut,
      message: `no decision within ${request.strategy.approvalTimeout}s (strategy.approvalTimeout)`,
      nonRetryable: true,
    });
  }
  const d = run.decision;
  if (!d) throw new Error('approval: decided without a decision'); // condition() returned true only once one arrived
  Object.assign(a, {
    state: d.approve ? 'approved' : 'rejected',
    decidedBy: d.by,
    decidedAt: new Date().toISOString(),
    reason: d.reason,
  });
  run.changed();
  if (!d.approve)
    throw ApplicationFailure.create({
      type: ErrorType.ApprovalRejected,
      message: `rejected by ${d.by}${d.reason ? `: ${d.reason}` : ''}`,
      nonRetryable: true,
    });
  return 'proceed';
}

/**
 * The gate of a scale-in and a replacement (strategy.approval other than "none"): a human looks before
 * the point of no return. A timeout there undoes the run whatever strategy.onApprovalTimeout says:
 * "keep-canary" has no meaning before a removal.
 */
export async function approvalBeforeNoReturn(
  run: Run,
  request: ClusterSettings,
): Promise<void> {
  if (request.strategy.approval === 'none') return;
  const gate = await run.phase('approval', () => approval(run, request));
  if (gate !== 'proceed')
    throw ApplicationFailure.create({
      type: ErrorType.ApprovalTimedOut,
      message: `no decision within ${request.strategy.approvalTimeout}s (strategy.approvalTimeout) before the point of no return: undone`,
      nonRetryable: true,
    });
}
