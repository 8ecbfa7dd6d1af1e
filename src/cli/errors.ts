/**
 * The CLI's exit codes, and Temporal client errors turned into one operator message with its code.
 */
import {
  NamespaceNotFoundError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import {
  GrpcStatus,
  grpcCode,
  isUnreachable,
  NotAScaleOutError,
  RequestConflictError,
  RunEndedError,
  TemporalRefusedError,
} from '../client';
import { createNamespaceCommand } from '../client/namespace';
import { temporalAddress, temporalNamespace } from '../config';

export const EXIT = {
  ok: 0,
  runFailed: 1,
  usage: 2,
  notFound: 3,
  unreachable: 4,
} as const;

/** An error the CLI reports as one clear message with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (command: string, message: string) =>
  new CliError(`${message} (see: etcd-scaleout ${command} --help)`, EXIT.usage);

export const where = () =>
  `Temporal at ${temporalAddress()} (namespace ${temporalNamespace()})`;

/** Maps Temporal client errors to operator messages and exit codes; anything else is rethrown. */
export function translate(err: unknown, workflowId?: string): never {
  if (err instanceof CliError) throw err;
  if (err instanceof WorkflowNotFoundError) {
    const extra =
      err.message && !/not found/i.test(err.message) ? ` (${err.message})` : '';
    throw new CliError(
      `workflow ${workflowId ?? err.workflowId} not found in namespace ${temporalNamespace()} at ${temporalAddress()}${extra}`,
      EXIT.notFound,
    );
  }
  if (err instanceof RequestConflictError || err instanceof RunEndedError)
    throw new CliError(err.message, EXIT.usage);
  if (err instanceof NotAScaleOutError)
    throw new CliError(
      `${err.message} in namespace ${temporalNamespace()} at ${temporalAddress()}`,
      EXIT.notFound,
    );
  if (err instanceof NamespaceNotFoundError)
    throw new CliError(
      `namespace ${temporalNamespace()} not found at ${temporalAddress()}; set TEMPORAL_NAMESPACE, or create it (a production server creates none): ${createNamespaceCommand(temporalNamespace())}`,
      EXIT.notFound,
    );
  if (isUnreachable(err))
    throw new CliError(
      `${where()} did not answer: ${(err as Error).message}`,
      EXIT.unreachable,
    );
  const code = grpcCode(err);
  if (err instanceof TemporalRefusedError) {
    throw new CliError(
      `${where()} refused to ${err.action}: ${err.reason}${err.hint ? `\n${err.hint}` : ''}`,
      code === GrpcStatus.INVALID_ARGUMENT ? EXIT.usage : EXIT.runFailed,
    );
  }
  if (code === GrpcStatus.NOT_FOUND)
    throw new CliError(`not found: ${(err as Error).message}`, EXIT.notFound);
  if (code === GrpcStatus.INVALID_ARGUMENT)
    throw new CliError(
      `refused by ${where()}: ${(err as Error).message}`,
      EXIT.usage,
    );
  throw err;
}
