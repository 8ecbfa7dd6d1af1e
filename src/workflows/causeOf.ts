/** The innermost message of a failure, with its type: what an operator reads in "failed in ...: <cause>". */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
} from '@temporalio/workflow';

export function causeOf(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure)
    return e.type ? `${e.type}: ${e.message}` : e.message;
  if (isCancellation(e)) return 'the run was cancelled';
  return e instanceof Error ? e.message || e.name : String(e);
}
