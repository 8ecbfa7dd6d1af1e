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
const { TIMEOUT_TYPE_START_TO_CLOSE: START_TO_CLOSE } =
  temporal.api.enums.v1.TimeoutType;

/**
 * A workflow task that timed out after the kill: waiting on the dead worker's sticky queue
 * (schedule-to-start), or taken by a worker that died while it ran (start-to-close, the run's
 * workflow task timeout), which the sticky-queue setting does not shorten.
 */
export interface WorkflowTaskTimeout {
  /** ms after the kill. */
  ms: number;
  kind: 'schedule-to-start' | 'start-to-close';
  /** For start-to-close: the worker that had taken the task, and when (ms after the kill, may be < 0). */
  startedBy?: string;
  startedMs?: number;
}

export interface Failover {
  /** The killed activity's last attempt starting, ms after the kill, and on which worker. */
  retry: { ms: number; worker: string; attempt: number };
  /** The first activity scheduled after the kill starting, ms after the kill: the run moving on. */
  next: { ms: number; worker: string; activity: string };
  /** Workflow tasks that timed out after the kill. */
  workflowTaskTimeouts: WorkflowTaskTimeout[];
  /** The run's workflow task timeout (its start event), in seconds: how long a dead worker may hold one. */
  workflowTaskTimeoutSeconds: number;
}

/** The timed-out workflow tasks after `killedAt`, with their kind and, if started, by whom. */
function workflowTaskTimeoutsAfter(
  events: Event[],
  killedAt: number,
): WorkflowTaskTimeout[] {
  return events
    .filter((e) => e.eventType === WORKFLOW_TASK_TIMED_OUT && at(e) > killedAt)
    .map((e) => {
      const a = e.workflowTaskTimedOutEventAttributes;
      if (a?.timeoutType !== START_TO_CLOSE)
        return { ms: at(e) - killedAt, kind: 'schedule-to-start' };
      const started = events.find(
        (x) => x.eventId?.toString() === a.startedEventId?.toString(),
      );
      return {
        ms: at(e) - killedAt,
        kind: 'start-to-close',
        startedBy: started?.workflowTaskStartedEventAttributes?.identity ?? '',
        startedMs: started ? at(started) - killedAt : undefined,
      };
    });
}

/** The timeouts for a summary line: "7.2s schedule-to-start", "10.0s start-to-close (taken by 123@h at -0.1s)". */
export const describeWorkflowTaskTimeouts = (
  ts: WorkflowTaskTimeout[],
): string =>
  ts.length
    ? `workflow task timed out at ${ts
        .map(
          (t) =>
            `${(t.ms / 1000).toFixed(1)}s ${t.kind}${t.startedBy !== undefined ? ` (taken by ${t.startedBy}${t.startedMs !== undefined ? ` at ${(t.startedMs / 1000).toFixed(1)}s` : ''})` : ''}`,
        )
        .join(', ')}`
    : 'no workflow task timed out';

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
        workflowTaskTimeouts: workflowTaskTimeoutsAfter(events, killedAt),
        workflowTaskTimeoutSeconds: Number(
          events[0]?.workflowExecutionStartedEventAttributes
            ?.workflowTaskTimeout?.seconds ?? 0,
        ),
      };
    await sleep(250);
  }
  throw new Error(
    `no activity started after the kill of ${activityType} in ${handle.workflowId}`,
  );
}
