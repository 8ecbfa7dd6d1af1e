/**
 * The namespace must exist before anything runs: the dev server makes `default` by itself, a
 * production temporal-server makes none. Creating one is the operator's once-only step
 * (docs/production.md); the worker and the clients say so, naming the namespace, instead of failing
 * with the server's bare "not found".
 */
import type { temporal } from '@temporalio/proto';
import { type CommandTarget, temporalCommand } from '../temporal/cliCommand';

/**
 * The operator's command that creates the namespace (retention: how long closed runs stay readable),
 * with the connection flags of `target` (address, TLS files) so it can be pasted as it is.
 */
export const createNamespaceCommand = (
  namespace: string,
  target?: CommandTarget,
): string => {
  const args = ['operator', 'namespace', 'create', '--namespace', namespace];
  return target
    ? temporalCommand(target, [...args, '--retention', '72h'])
    : `temporal ${args.join(' ')} --retention 72h`;
};

export class NamespaceMissingError extends Error {
  readonly address: string;
  constructor(
    readonly namespace: string,
    target: CommandTarget,
  ) {
    super(
      `namespace ${namespace} does not exist on the Temporal server at ${target.address} (a production server creates none); create it once with: ${createNamespaceCommand(namespace, target)}`,
    );
    this.address = target.address;
    this.name = 'NamespaceMissingError';
  }
}

/** The server's words for a missing namespace ("Namespace x is not found."). */
export const isNamespaceNotFound = (err: unknown): boolean =>
  /namespace .*not found/i.test(String((err as Error)?.message));

/** Throws NamespaceMissingError when the server does not know `namespace`; other errors as they are. */
export async function checkNamespace(
  workflowService: {
    describeNamespace(
      req: temporal.api.workflowservice.v1.IDescribeNamespaceRequest,
    ): Promise<unknown>;
  },
  namespace: string,
  target: CommandTarget,
): Promise<void> {
  try {
    await workflowService.describeNamespace({ namespace });
  } catch (err) {
    // DescribeNamespace's NOT_FOUND can only mean the namespace.
    if ((err as { code?: number }).code === 5 || isNamespaceNotFound(err))
      throw new NamespaceMissingError(namespace, target);
    throw err;
  }
}
