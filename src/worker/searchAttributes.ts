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
  return missing.map((k) => k.name);
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
