/** start REQUEST.json [--wait] [--workflow-id ID]: prints the workflow ID (and with --wait the result). */
import { WorkflowFailedError } from '@temporalio/client';
import {
  flattenFailure,
  InvalidRequestError,
  RUN_KIND,
  runKindOf,
  type Started,
  startRun,
} from '../../client';
import { taskQueue } from '../../config';
import type { CliCommand } from '../command';
import { EXIT, translate, where } from '../errors';
import { invalidRequest, readJsonFile } from '../requestFile';
import { withClient } from '../session';

export const startCommand: CliCommand = {
  name: 'start',
  args: ['<REQUEST.json>'],
  summary:
    'start a scale-out, a scale-in (a request with removeMembers) or a replacement (a request with replaceMember); prints the workflow ID',
  options: [
    [
      '--wait',
      'then wait for the run and print its result JSON (exit 1 if the run failed)',
    ],
    [
      '--workflow-id <ID>',
      'the workflow ID (default: scaleout-, scalein- or replace-<cluster>_<ticket>, one run per ticket)',
    ],
  ],
  async run([file], options, io) {
    const raw = await readJsonFile(file);
    // Checked before Temporal is reached: a bad request is a usage error wherever Temporal is.
    const checked = RUN_KIND[runKindOf(raw)].check(raw);
    if (!checked.ok) throw invalidRequest(file, checked.errors);
    return withClient(async (client) => {
      let started: Started;
      try {
        started = await startRun(client, raw, {
          workflowId: options.workflowId as string | undefined,
        });
      } catch (err) {
        if (err instanceof InvalidRequestError)
          throw invalidRequest(file, err.errors);
        translate(err);
      }
      const { handle, workflowId, alreadyStarted } = started;
      io.out(workflowId);
      io.err(
        alreadyStarted
          ? `a run with workflow ID ${workflowId} already exists (one run per ticket): not started again`
          : `started ${workflowId} on task queue ${taskQueue()} at ${where()}; follow it with: etcd-scaleout status ${workflowId} --watch`,
      );
      if (!options.wait) return EXIT.ok;
      try {
        io.out(JSON.stringify(await handle.result(), null, 2));
        return EXIT.ok;
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) translate(err, workflowId);
        const f = flattenFailure(err);
        io.err(
          `run ${workflowId} failed${f.type ? ` (${f.type})` : ''}: ${f.message}`,
        );
        io.err(`audit: etcd-scaleout audit ${workflowId}`);
        return EXIT.runFailed;
      }
    });
  },
};
