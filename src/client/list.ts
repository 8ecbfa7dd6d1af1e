/**
 * Listing runs through Temporal visibility: the one filter check (CLI and API) and the one query built
 * from it. Every membership change is listed (scale-outs, scale-ins, replacements), or the one type
 * asked for. Every filter value is held to a strict pattern or an enum before it reaches the query, so
 * no quote can.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { MEMBERSHIP_WORKFLOW_TYPES } from '../config';
import { type FieldError, NAME, TICKET } from '../domain/request/request';
import { settingsOf } from '../temporal/connect';
import { EtcdCluster, TicketId } from '../workflows/run/searchAttributes';
import { explainRefusal } from './refusal';
import { type RunSummary, runSummary } from './runs';

/** Visibility's ExecutionStatus values. */
export const LIST_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'TimedOut',
  'ContinuedAsNew',
] as const;
export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 100;

const ListFilterSchema = z
  .object({
    cluster: z
      .string()
      .regex(
        NAME,
        'must be a cluster name (1-63 lowercase letters, digits, ".", "_" or "-")',
      )
      .optional(),
    ticket: z
      .string()
      .regex(TICKET, 'must be a ticket id (1-64 letters, digits or ._:#/-)')
      .optional(),
    status: z
      .enum(LIST_STATUSES, {
        error: `must be one of ${LIST_STATUSES.join(', ')}`,
      })
      .optional(),
    type: z
      .enum(MEMBERSHIP_WORKFLOW_TYPES as [string, ...string[]], {
        error: `must be one of ${MEMBERSHIP_WORKFLOW_TYPES.join(', ')}`,
      })
      .optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(1, `must be 1-${MAX_LIST_LIMIT}`)
      .max(MAX_LIST_LIMIT, `must be 1-${MAX_LIST_LIMIT}`)
      .default(DEFAULT_LIST_LIMIT),
  })
  .strict();

export type ListFilter = z.output<typeof ListFilterSchema>;

/** Checks a filter as given (strings from a URL or a command line); names each bad field. */
export function parseListFilter(
  raw: Record<string, unknown>,
): { ok: true; filter: ListFilter } | { ok: false; errors: FieldError[] } {
  const defined = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => v !== undefined),
  );
  const parsed = ListFilterSchema.safeParse(defined);
  if (parsed.success) return { ok: true, filter: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((i) => {
      const field = i.path.map(String).join('.') || '(query)';
      return i.code === 'unrecognized_keys'
        ? { field, message: `unknown field(s): ${i.keys.join(', ')}` }
        : { field, message: i.message };
    }),
  };
}

/** The visibility query for the runs of every membership type (or `filter.type`); the values come from a checked filter. */
export function runsQuery(
  filter: Pick<ListFilter, 'cluster' | 'ticket' | 'status' | 'type'>,
): string {
  const clauses = [
    filter.type
      ? `WorkflowType = "${filter.type}"`
      : `(${MEMBERSHIP_WORKFLOW_TYPES.map((t) => `WorkflowType = "${t}"`).join(' OR ')})`,
  ];
  if (filter.cluster) clauses.push(`${EtcdCluster.name} = "${filter.cluster}"`);
  if (filter.ticket) clauses.push(`${TicketId.name} = "${filter.ticket}"`);
  if (filter.status) clauses.push(`ExecutionStatus = "${filter.status}"`);
  return clauses.join(' AND ');
}

/** The runs a visibility query finds, newest first; a refused query is explained (./refusal.ts). */
export async function* visibleRuns(
  client: Client,
  query: string,
  pageSize: number,
): AsyncGenerator<WorkflowExecutionInfo> {
  try {
    for await (const info of client.workflow.list({ query, pageSize }))
      yield info;
  } catch (err) {
    throw explainRefusal(
      err,
      `list runs (${query})`,
      client.options.namespace,
      settingsOf(client.connection),
    );
  }
}

/** The matching runs, newest first, at most `filter.limit`. */
export async function listRuns(
  client: Client,
  filter: ListFilter,
): Promise<{ query: string; runs: RunSummary[] }> {
  const query = runsQuery(filter);
  const runs: RunSummary[] = [];
  for await (const info of visibleRuns(
    client,
    query,
    Math.min(filter.limit, DEFAULT_LIST_LIMIT),
  )) {
    runs.push(runSummary(info));
    if (runs.length >= filter.limit) break;
  }
  return { query, runs };
}
