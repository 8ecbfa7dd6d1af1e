/** cancel WORKFLOW_ID: the run undoes what it changed, then fails as Cancelled. */
import { cancelScaleOut } from '../../client';
import type { CliCommand } from '../command';
import { EXIT, translate } from '../errors';
import { withClient } from '../session';

export const cancelCommand: CliCommand = {
  name: 'cancel',
  args: ['<WORKFLOW_ID>'],
  summary: 'cancel a run; it undoes what it changed',
  options: [],
  async run([workflowId], _options, io) {
    return withClient(async (client) => {
      try {
        await cancelScaleOut(client, workflowId);
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
