/**
 * How long a run stood still after a worker was SIGKILLed, read from the history's event times (the
 * server's clock, the same machine as the test's): the killed activity's retry starting on another
 * worker, and the first activity the workflow scheduled after the kill starting, which needs a
 * workflow task, so it includes any wait on the dead worker's sticky queue.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { sleep } from '../../lab/processes';

type Event = temporal.api.history.v1.IHistoryEvent;
const { EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: WORKFLOW_TASK_TIMED_OUT } =
  temporal.api.enums.v1.EventType;

export interface Failover {
  /** The killed activity's last attempt starting, ms after the kill, and on which worker. */
  retry: { ms: number; worker: string; attempt: number };
  /** The first activity scheduled after the kill starting, ms after the kill: the run moving on. */
  next: { ms: number; worker: string; activity: string };
  /** Workflow tasks that timed out after the kill (a dead sticky queue), ms after the kill. */
  workflowTaskTimeouts: number[];
}

const at = (e: Event) => tsToMs(e.eventTime);

/** The started event of the activity scheduled by `scheduled` (written once that attempt ends). */
const startedOf = (events: Event[], scheduled: Event) =>
  events.find(
    (e) =>
      e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() ===
      scheduled.eventId?.toString(),
  );

/** Reads the failover of `activityType`'s killed attempt; waits (up to 2 min) until the next activity has started and ended. */
export async function failoverOf(
  handle: WorkflowHandle,
  killedAt: number,
  activityType: string,
): Promise<Failover> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    const events = (await handle.fetchHistory()).events ?? [];
    const killed = events
      .filter(
        (e) =>
          e.activityTaskScheduledEventAttributes?.activityType?.name ===
            activityType && at(e) < killedAt,
      )
      .at(-1);
    const nextScheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes && at(e) > killedAt,
    );
    const retried = killed && startedOf(events, killed);
    const next = nextScheduled && startedOf(events, nextScheduled);
    if (retried && next && nextScheduled)
      return {
        retry: {
          ms: at(retried) - killedAt,
          worker: retried.activityTaskStartedEventAttributes?.identity ?? '',
          attempt: retried.activityTaskStartedEventAttributes?.attempt ?? 0,
        },
        next: {
          ms: at(next) - killedAt,
          worker: next.activityTaskStartedEventAttributes?.identity ?? '',
          activity:
            nextScheduled.activityTaskScheduledEventAttributes?.activityType
              ?.name ?? '',
        },
        workflowTaskTimeouts: events
          .filter(
            (e) => e.eventType === WORKFLOW_TASK_TIMED_OUT && at(e) > killedAt,
          )
          .map((e) => at(e) - killedAt),
      };
    await sleep(250);
  }
  throw new Error(
    `no activity started after the kill of ${activityType} in ${handle.workflowId}`,
  );
}
