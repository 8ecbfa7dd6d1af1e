/** The innermost message of a failure, with its type: what an operator reads in "failed in ...: <cause>". */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  TimeoutFailure,
} from '@temporalio/workflow';

export function causeOf(err: unknown): string {
  let e: unknown = err;
  // A retried activity that ran out of time carries its last attempt's failure as the timeout's cause:
  // that (e.g. which member is unhealthy) is what the operator needs, not "ScheduleToClose timeout".
  while (
    (e instanceof ActivityFailure || e instanceof TimeoutFailure) &&
    e.cause
  )
    e = e.cause;
  if (e instanceof ApplicationFailure)
    return e.type ? `${e.type}: ${e.message}` : e.message;
  if (isCancellation(e)) return 'the run was cancelled';
  return e instanceof Error ? e.message || e.name : String(e);
}
