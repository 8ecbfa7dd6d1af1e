/** list [--cluster NAME] [--ticket ID] [--status S] [--type T] [--limit N] [--json]: runs of every type, newest first. */
import {
  LIST_STATUSES,
  listRuns,
  parseListFilter,
  type RunSummary,
} from '../../client';
import { MEMBERSHIP_WORKFLOW_TYPES } from '../../config';
import type { CliCommand } from '../command';
import { EXIT, translate, usageError } from '../errors';
import { renderRunTable } from '../render/list';
import { withClient } from '../session';

export const listCommand: CliCommand = {
  name: 'list',
  args: [],
  summary: 'runs, newest first (Temporal visibility)',
  options: [
    ['--cluster <NAME>', 'only runs of this cluster'],
    ['--ticket <ID>', 'only runs of this ticket'],
    [
      '--status <STATUS>',
      `only runs in this state: ${LIST_STATUSES.join(', ')}`,
    ],
    [
      '--type <TYPE>',
      `only runs of this workflow type: ${MEMBERSHIP_WORKFLOW_TYPES.join(', ')} (default: all)`,
    ],
    ['--limit <N>', 'at most N runs (default 100)'],
    ['--json', 'print the runs as JSON'],
  ],
  async run(_args, options, io) {
    const parsed = parseListFilter({
      cluster: options.cluster,
      ticket: options.ticket,
      status: options.status,
      type: options.type,
      limit: options.limit,
    });
    if (!parsed.ok)
      throw usageError(
        'list',
        parsed.errors.map((e) => `--${e.field} ${e.message}`).join('; '),
      );
    return withClient(async (client) => {
      let found: { query: string; runs: RunSummary[] };
      try {
        found = await listRuns(client, parsed.filter);
      } catch (err) {
        translate(err);
      }
      if (options.json) io.out(JSON.stringify(found.runs, null, 2));
      else if (!found.runs.length) io.err(`no runs match ${found.query}`);
      else io.out(renderRunTable(found.runs));
      return EXIT.ok;
    });
  },
};
