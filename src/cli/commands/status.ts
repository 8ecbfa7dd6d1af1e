/** status WORKFLOW_ID [--watch] [--json] [--interval S]: phase, members, approval, outcome. */
import type { Client } from '@temporalio/client';
import { runStatus, runSummary } from '../../client';
import type { CliCommand } from '../command';
import { CliError, EXIT, usageError, where } from '../errors';
import type { Io } from '../io';
import { renderStatus, type StatusView } from '../render/status';
import { describeRun, withClient } from '../session';

/** A running run answers within this; a closed one only if a worker still serves its task queue. */
const PROGRESS_TIMEOUT_MS = { running: 5_000, closed: 3_000 };
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

async function statusView(
  client: Client,
  workflowId: string,
): Promise<StatusView> {
  const { d } = await describeRun(client, workflowId);
  const { progressUnreachable, ...status } = await runStatus(
    client,
    d,
    d.status.name === 'RUNNING'
      ? PROGRESS_TIMEOUT_MS.running
      : PROGRESS_TIMEOUT_MS.closed,
  );
  if (progressUnreachable)
    throw new CliError(
      `${where()} did not answer: ${status.progressError}`,
      EXIT.unreachable,
    );
  const view: StatusView = { ...runSummary(d), ...status };
  if (status.progress) view.phase = status.progress.phase;
  return view;
}

const exitFor = (status: string) =>
  status === 'RUNNING' || status === 'COMPLETED' ? EXIT.ok : EXIT.runFailed;

/** Redraws on every change until the run ends (a TTY: in place; otherwise appended, time-stamped). */
async function watch(
  client: Client,
  workflowId: string,
  first: StatusView,
  show: (v: StatusView) => string,
  options: { intervalMs: number; json: boolean },
  io: Io,
): Promise<StatusView> {
  let view = first;
  let last = show(view);
  while (view.status === 'RUNNING') {
    await new Promise((r) => setTimeout(r, options.intervalMs));
    view = await statusView(client, workflowId);
    const next = show(view);
    if (next === last) continue;
    last = next;
    if (options.json) io.out(next);
    else if (io.isTTY) io.out(CLEAR_SCREEN + next);
    else io.out(`\n${'-'.repeat(20)} ${new Date().toISOString()}\n${next}`);
  }
  return view;
}

export const statusCommand: CliCommand = {
  name: 'status',
  args: ['<WORKFLOW_ID>'],
  summary: 'status, phase, members, approval (exit 1 if the run failed)',
  options: [
    ['--watch', 'redraw on every change until the run ends'],
    ['--json', 'print the status as JSON (one line per change with --watch)'],
    ['--interval <SECONDS>', 'how often --watch asks (default 1)'],
  ],
  async run([workflowId], options, io) {
    const intervalMs =
      options.interval !== undefined ? Number(options.interval) * 1000 : 1000;
    if (!Number.isFinite(intervalMs) || intervalMs < 100)
      throw usageError(
        'status',
        `--interval must be a number of seconds >= 0.1, got ${JSON.stringify(options.interval)}`,
      );
    return withClient(async (client) => {
      const json = !!options.json;
      const show = (v: StatusView) =>
        json ? JSON.stringify(v) : renderStatus(v);
      let view = await statusView(client, workflowId);
      io.out(show(view));
      if (options.watch)
        view = await watch(
          client,
          workflowId,
          view,
          show,
          { intervalMs, json },
          io,
        );
      return exitFor(view.status);
    });
  },
};
