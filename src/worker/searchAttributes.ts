/**
 * The search attributes the workflow upserts must exist on the worker's namespace, or its first
 * upsert fails the workflow task. A plain `temporal server start-dev` has none: the worker registers
 * the missing ones at start-up through the operator service. A server that refuses (no permission,
 * a hosted namespace) is not fatal here; the warning says how to register them by hand.
 */

import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import { type CommandTarget, temporalCommand } from '../temporal/cliCommand';
import {
  registerByHandCommands,
  SEARCH_ATTRIBUTE_KEYS,
} from '../workflows/run/searchAttributes';

const { IndexedValueType } = temporal.api.enums.v1;

/** The operator service's name for each search attribute type. */
const INDEXED_VALUE_TYPE: Record<
  SearchAttributeType,
  temporal.api.enums.v1.IndexedValueType
> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** Registers the missing ones; returns their names. */
export async function ensureSearchAttributes(
  connection: NativeConnection,
  namespace: string,
): Promise<string[]> {
  const { customAttributes } =
    await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_KEYS.filter(
    (k) => !(k.name in (customAttributes ?? {})),
  );
  if (missing.length) await addSearchAttributes(connection, namespace, missing);
  // Also when listed already: another worker may have added them a moment ago.
  await waitUntilQueryable(connection, namespace);
  return missing.map((k) => k.name);
}

/** How long a freshly registered attribute may take to be accepted in a visibility query. */
const QUERYABLE_TIMEOUT_MS = 30_000;
const QUERYABLE_POLL_MS = 250;

/**
 * Waits until a visibility query that names every attribute is accepted. A real temporal-server
 * answers "invalid search attribute" for a few seconds after the add (each frontend's namespace
 * cache refreshes on a timer), so a run started through the API right after the first worker came
 * up was refused by the one-run-per-cluster check. Polling starts only once they are usable; after
 * the timeout the worker starts anyway (the API then names the missing attribute).
 */
export async function waitUntilQueryable(
  connection: NativeConnection,
  namespace: string,
  timeoutMs = QUERYABLE_TIMEOUT_MS,
): Promise<boolean> {
  const query = SEARCH_ATTRIBUTE_KEYS.map((k) => `${k.name} = ''`).join(
    ' AND ',
  );
  for (const until = Date.now() + timeoutMs; ; ) {
    try {
      await connection.workflowService.listWorkflowExecutions({
        namespace,
        query,
        pageSize: 1,
      });
      return true;
    } catch (err) {
      // Any other refusal (e.g. no permission to list runs) says nothing about the attributes.
      if (!/invalid search attribute/i.test((err as Error).message))
        return true;
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, QUERYABLE_POLL_MS));
    }
  }
}

/**
 * Registers `keys` (all of the workflow's by default) without asking what exists: also for servers
 * that cannot list them (the time-skipping test server). "already exists" (another worker won the
 * race) is fine.
 */
export async function addSearchAttributes(
  connection: NativeConnection,
  namespace: string,
  keys: typeof SEARCH_ATTRIBUTE_KEYS = SEARCH_ATTRIBUTE_KEYS,
): Promise<void> {
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        keys.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]]),
      ),
    });
  } catch (err) {
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
}

export const registerByHand = (
  namespace: string,
  target?: CommandTarget,
): string =>
  registerByHandCommands(
    namespace,
    target && ((args) => temporalCommand(target, args)),
  ).join('; ');
