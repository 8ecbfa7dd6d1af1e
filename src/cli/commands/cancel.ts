/** cancel WORKFLOW_ID: the run undoes what it changed, then fails as Cancelled. */
import type { CliCommand } from '../command';
import { CliError, EXIT, translate } from '../errors';
import { describeRun, withClient } from '../session';

export const cancelCommand: CliCommand = {
  name: 'cancel',
  args: ['<WORKFLOW_ID>'],
  summary: 'cancel a run; it undoes what it changed',
  options: [],
  async run([workflowId], _options, io) {
    return withClient(async (client) => {
      const d = await describeRun(client, workflowId);
      if (d.status.name !== 'RUNNING')
        throw new CliError(
          `cannot cancel ${workflowId}: the run has already ended (${d.status.name})`,
          EXIT.usage,
        );
      try {
        await client.workflow.getHandle(workflowId).cancel();
      } catch (err) {
        translate(err, workflowId);
      }
      io.out(
        `cancellation requested for ${workflowId}: the run undoes what it changed, then fails as Cancelled; follow with: etcd-scaleout status ${workflowId} --watch`,
      );
      return EXIT.ok;
    });
  },
};
