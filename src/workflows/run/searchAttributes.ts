/** Custom search attributes (Keyword). The worker registers them on its namespace when missing. */
import {
  defineSearchAttributeKey,
  SearchAttributeType,
} from '@temporalio/common';

export const EtcdCluster = defineSearchAttributeKey(
  'EtcdCluster',
  SearchAttributeType.KEYWORD,
);
export const TicketId = defineSearchAttributeKey(
  'TicketId',
  SearchAttributeType.KEYWORD,
);
export const RequestedBy = defineSearchAttributeKey(
  'RequestedBy',
  SearchAttributeType.KEYWORD,
);
export const ScaleOutPhase = defineSearchAttributeKey(
  'ScaleOutPhase',
  SearchAttributeType.KEYWORD,
);

export const SEARCH_ATTRIBUTE_KEYS = [
  EtcdCluster,
  TicketId,
  RequestedBy,
  ScaleOutPhase,
];
/** For the Temporal CLI's `--search-attribute name=Type` flags. */
export const SEARCH_ATTRIBUTES = SEARCH_ATTRIBUTE_KEYS.map((k) => ({
  name: k.name,
  type: 'Keyword',
}));

/**
 * The commands that register them by hand on a namespace. One command per attribute: the Temporal
 * CLI registers only the first of several --name flags.
 */
export const registerByHandCommands = (
  namespace: string,
  /** The command for given arguments with the server's connection flags (src/temporal); bare without. */
  command: (args: string[]) => string = (args) => `temporal ${args.join(' ')}`,
): string[] =>
  SEARCH_ATTRIBUTES.map((a) =>
    command([
      'operator',
      'search-attribute',
      'create',
      '--namespace',
      namespace,
      '--name',
      a.name,
      '--type',
      a.type,
    ]),
  );
