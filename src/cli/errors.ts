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
import {
  DEFAULT_ADDRESS,
  DEFAULT_NAMESPACE,
  resolveTemporalSettings,
  type TemporalSettings,
} from '../temporal';

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

/**
 * The settings the command connects with, for its messages; if they cannot be resolved (the
 * connection itself says why), the plain variables.
 */
function target(): Pick<TemporalSettings, 'address' | 'namespace'> &
  Partial<TemporalSettings> {
  try {
    return resolveTemporalSettings();
  } catch {
    return {
      address: process.env.TEMPORAL_ADDRESS || DEFAULT_ADDRESS,
      namespace: process.env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE,
    };
  }
}

export const where = () => {
  const t = target();
  return `Temporal at ${t.address} (namespace ${t.namespace})`;
};

/** Maps Temporal client errors to operator messages and exit codes; anything else is rethrown. */
export function translate(err: unknown, workflowId?: string): never {
  if (err instanceof CliError) throw err;
  if (err instanceof WorkflowNotFoundError) {
    const extra =
      err.message && !/not found/i.test(err.message) ? ` (${err.message})` : '';
    throw new CliError(
      `workflow ${workflowId ?? err.workflowId} not found in namespace ${target().namespace} at ${target().address}${extra}`,
      EXIT.notFound,
    );
  }
  if (err instanceof RequestConflictError || err instanceof RunEndedError)
    throw new CliError(err.message, EXIT.usage);
  if (err instanceof NotAScaleOutError)
    throw new CliError(
      `${err.message} in namespace ${target().namespace} at ${target().address}`,
      EXIT.notFound,
    );
  if (err instanceof NamespaceNotFoundError) {
    const t = target();
    throw new CliError(
      `namespace ${t.namespace} not found at ${t.address}; set TEMPORAL_NAMESPACE, or create it (a production server creates none): ${createNamespaceCommand(t.namespace, t.tls === undefined ? { address: t.address, tls: false } : (t as TemporalSettings))}`,
      EXIT.notFound,
    );
  }
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
