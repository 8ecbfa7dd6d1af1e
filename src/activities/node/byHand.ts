/**
 * A command's non-zero exit on a node is its answer (permission denied, read-only file system, a unit
 * that does not exist) and a retry gets the same one: such a failure of an undo step is typed
 * RemoteCommandRefused (not retried) and says what is left to do by hand, and where. A failure to
 * reach the node (SshFailed) stays retryable.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';

export async function orByHand<T>(
  host: string,
  byHand: string,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (
      err instanceof ApplicationFailure &&
      err.type === ErrorType.RemoteCommandFailed
    ) {
      throw ApplicationFailure.nonRetryable(
        `${err.message}; left to do by hand on ${host}: ${byHand}`,
        ErrorType.RemoteCommandRefused,
      );
    }
    throw err;
  }
}
