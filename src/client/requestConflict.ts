/**
 * One run per ticket means one request per ticket: a second request for a ticket whose run exists is
 * the same request again (answered with that run) or a conflict, named field by field. Without this
 * check a changed request (another member, another host) would be answered with the old run as if
 * it had been started.
 */
import type { Client } from '@temporalio/client';
import { HistoryDecoder } from '../audit/decoder';
import { RUN_KIND, type RunKind, runKindOf } from './runKinds';

export class RequestConflictError extends Error {
  constructor(
    readonly workflowId: string,
    readonly runId: string,
    readonly ticket: string | undefined,
    /** The request fields that differ, as dotted paths (`newMembers.1.host`, `strategy.canary`). */
    readonly fields: string[],
  ) {
    super(
      `${ticket ? `ticket ${ticket}` : 'this workflow ID'} already has run ${workflowId} (run ${runId}) for a different request: ${fields.join(', ')} differ; ` +
        'send the same request to follow that run, or use a new ticket for a different change',
    );
    this.name = 'RequestConflictError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The paths at which `a` and `b` differ (JSON values); a list of another length differs as a whole. */
export function requestDifferences(
  a: unknown,
  b: unknown,
  path = '',
): string[] {
  const here = path || '(request)';
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [here];
    return a.flatMap((x, i) =>
      requestDifferences(x, b[i], path ? `${path}.${i}` : String(i)),
    );
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) =>
      requestDifferences(a[k], b[k], path ? `${path}.${k}` : k),
    );
  }
  return Object.is(a, b) ? [] : [here];
}

/** Both requests as the run sees them (defaults applied, URLs normalised), so equal meanings compare equal. */
function normalised(raw: unknown, kind: RunKind): unknown {
  const v = RUN_KIND[kind].check(raw);
  return v.ok ? v.normalised : raw;
}

/** The request a run was started with: the input of its first history event. */
async function startedInput(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<unknown> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const started = history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  return new HistoryDecoder(client.options.loadedDataConverter).first(
    started?.input,
  );
}

/** Throws RequestConflictError when run `runId` of `workflowId` was started with another request than `raw`. */
export async function checkSameRequest(
  client: Client,
  workflowId: string,
  runId: string,
  raw: unknown,
  kind: RunKind = runKindOf(raw),
): Promise<void> {
  const fields = requestDifferences(
    normalised(await startedInput(client, workflowId, runId), kind),
    normalised(raw, kind),
  );
  if (!fields.length) return;
  const ticket = (raw as { ticket?: { id?: string } })?.ticket?.id;
  throw new RequestConflictError(workflowId, runId, ticket, fields);
}
