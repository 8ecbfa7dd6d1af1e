/** cancel WORKFLOW_ID [--reason TEXT]: the run undoes what it changed, then fails as Cancelled. */
import { cancelReasonProblem, cancelScaleOut } from '../../client';
import type { CliCommand } from '../command';
import { EXIT, translate, usageError } from '../errors';
import { withClient } from '../session';

/** Says where the cancellation came from when no reason is given: the history records one either way. */
const NO_REASON = 'cancelled through the etcd-scaleout CLI (no reason given)';

export const cancelCommand: CliCommand = {
  name: 'cancel',
  args: ['<WORKFLOW_ID>'],
  summary: 'cancel a run; it undoes what it changed',
  options: [
    [
      '--reason <TEXT>',
      "why, kept in the run's history with who asked (the audit report shows both)",
    ],
  ],
  async run([workflowId], options, io) {
    const reason = options.reason as string | undefined;
    const problem =
      reason === undefined ? undefined : cancelReasonProblem(reason);
    if (problem) throw usageError('cancel', `--reason ${problem}`);
    return withClient(async (client) => {
      try {
        await cancelScaleOut(client, workflowId, {
          identity: `${client.options.identity} (etcd-scaleout CLI)`,
          reason: reason ?? NO_REASON,
        });
      } catch (err) {
        translate(err, workflowId);
      }
      io.out(
        `cancellation requested for ${workflowId}${reason ? ` (${reason})` : ''}: the run undoes what it changed, then fails as Cancelled; follow with: etcd-scaleout status ${workflowId} --watch`,
      );
      return EXIT.ok;
    });
  },
};
