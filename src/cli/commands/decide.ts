/** approve|reject WORKFLOW_ID --by NAME [--reason TEXT]: a decision at the approval gate. */
import {
  DECIDE_DEADLINE_MS,
  DecisionRefusedError,
  GrpcStatus,
  grpcCode,
  mustBeRunning,
  sendDecision,
} from '../../client';
import { type Decision, decisionProblem } from '../../domain/run/decision';
import type { CliCommand } from '../command';
import { CliError, EXIT, translate, usageError } from '../errors';
import { describeRun, withClient } from '../session';

function decideCommand(approve: boolean): CliCommand {
  const name = approve ? 'approve' : 'reject';
  return {
    name,
    args: ['<WORKFLOW_ID>'],
    summary: approve
      ? "approve at the run's gate: a scale-out's batch after the canary, a scale-in's removals, a replacement's point of no return"
      : 'reject at the gate: the run undoes what it changed',
    options: [
      [
        '--by <NAME>',
        'who decides (the run may restrict it to strategy.approvers); required',
      ],
      ['--reason <TEXT>', 'why, for the audit'],
    ],
    async run([workflowId], options, io) {
      const by = (options.by as string | undefined)?.trim();
      if (!by)
        throw usageError(
          name,
          '--by NAME is required (who decides; the run may restrict it to strategy.approvers)',
        );
      const decision: Decision = {
        approve,
        by,
        ...(options.reason ? { reason: options.reason as string } : {}),
      };
      const problem = decisionProblem(decision);
      if (problem) throw usageError(name, problem);
      return withClient(async (client) => {
        const { d } = await describeRun(client, workflowId);
        try {
          mustBeRunning(d, name);
          await sendDecision(client, workflowId, d.runId, decision);
        } catch (err) {
          if (err instanceof DecisionRefusedError)
            throw new CliError(
              `${name} refused by run ${workflowId}: ${err.reason}`,
              EXIT.usage,
            );
          if (grpcCode(err) === GrpcStatus.DEADLINE_EXCEEDED) {
            throw new CliError(
              `no worker answered the ${name} within ${DECIDE_DEADLINE_MS / 1000} s (is a worker polling task queue ${d.taskQueue}?); the decision was not recorded`,
              EXIT.unreachable,
            );
          }
          translate(err, workflowId);
        }
        io.out(
          `${approve ? 'approved' : 'rejected'} by ${by}${decision.reason ? ` (${decision.reason})` : ''}: ${approve ? 'the run goes on with the batch' : 'the run rolls back the canary and fails as ApprovalRejected'}`,
        );
        return EXIT.ok;
      });
    },
  };
}

export const approveCommand = decideCommand(true);
export const rejectCommand = decideCommand(false);
