/**
 * A call the Temporal server refused, explained with the server's own reason (the client itself
 * only says "Failed to start Workflow" or "Failed to list workflows") and, when known, what to do.
 */
import { ServiceError } from '@temporalio/client';
import { type CommandTarget, temporalCommand } from '../temporal/cliCommand';
import {
  registerByHandCommands,
  SEARCH_ATTRIBUTES,
} from '../workflows/run/searchAttributes';
import { grpcDetails, isUnreachable } from './grpc';
import { createNamespaceCommand, isNamespaceNotFound } from './namespace';

export class TemporalRefusedError extends Error {
  constructor(
    /** What was refused, e.g. `start scaleout-prod-OPS-1`. */
    readonly action: string,
    readonly reason: string,
    readonly hint: string | undefined,
    options: { cause: unknown },
  ) {
    super(
      `Temporal refused to ${action}: ${reason}${hint ? `; ${hint}` : ''}`,
      options,
    );
    this.name = 'TemporalRefusedError';
  }
}

function searchAttributeHint(
  namespace: string,
  target: CommandTarget | undefined,
): string {
  const commands = registerByHandCommands(
    namespace,
    target && ((args) => temporalCommand(target, args)),
  );
  return `the search attributes ${SEARCH_ATTRIBUTES.map((s) => s.name).join(', ')} must be registered on namespace ${namespace}: start the worker (it registers them when it starts) or run: ${commands.join('; ')}`;
}

/** The server's refusal of `action` as a TemporalRefusedError; any other error as it is. */
export function explainRefusal(
  err: unknown,
  action: string,
  namespace: string,
  /** The connection's settings, for commands with its address and TLS flags. */
  target?: CommandTarget,
): unknown {
  if (!(err instanceof ServiceError) || isUnreachable(err)) return err;
  const reason =
    grpcDetails(err) ??
    (err.cause instanceof Error ? err.cause.message : err.message);
  return new TemporalRefusedError(
    action,
    reason,
    /search attribute/i.test(reason)
      ? searchAttributeHint(namespace, target)
      : isNamespaceNotFound(err)
        ? `a production Temporal server creates no namespace; create it once with: ${createNamespaceCommand(namespace, target)}`
        : undefined,
    { cause: err },
  );
}
