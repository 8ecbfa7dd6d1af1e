/** Activity events: scheduled (with its phase summary), started (attempt), and how it closed. */
import { rootCause } from '../client/failure';
import { int64ToNumber } from '../client/timestamps';
import type { EventHandler, EventHandlers, RecordedActivity, Recording } from './recording';
import type { ActivityOutcome } from './types';

const scheduled: EventHandler = async (rec, { event, at, eventId, dec }) => {
  const a = event.activityTaskScheduledEventAttributes!;
  const summary = await dec.single(event.userMetadata?.summary);
  rec.activities.set(eventId, {
    activityId: a.activityId ?? String(eventId),
    name: a.activityType?.name ?? '?',
    ...(typeof summary === 'string' ? { summary } : {}),
    scheduledAt: at,
    attempts: 0,
    outcome: 'pending',
  });
};

const activityOf = (rec: Recording, scheduledEventId: unknown): RecordedActivity | undefined => rec.activities.get(int64ToNumber(scheduledEventId));

const started: EventHandler = async (rec, { event, at, dec }) => {
  const a = event.activityTaskStartedEventAttributes!;
  const act = activityOf(rec, a.scheduledEventId);
  if (!act) return;
  act.startedAt = at;
  act.attempts = a.attempt ?? 1;
  const lastFailure = await dec.failure(a.lastFailure);
  if (lastFailure) act.lastRetryFailure = rootCause(lastFailure);
};

/** The close events differ only in their outcome and in what they carry. */
function closed(outcome: ActivityOutcome, attributes: 'activityTaskFailedEventAttributes' | 'activityTaskTimedOutEventAttributes' | 'activityTaskCanceledEventAttributes'): EventHandler {
  return async (rec, { event, at, dec }) => {
    const a = event[attributes]!;
    const act = activityOf(rec, a.scheduledEventId);
    if (!act) return;
    act.outcome = outcome;
    act.closedAt = at;
    const failure = 'failure' in a ? await dec.failure(a.failure) : undefined;
    if (failure) act.failure = failure;
  };
}

const completed: EventHandler = async (rec, { event, at, dec }) => {
  const a = event.activityTaskCompletedEventAttributes!;
  const act = activityOf(rec, a.scheduledEventId);
  if (!act) return;
  act.outcome = 'completed';
  act.closedAt = at;
  act.result = await dec.first(a.result);
};

export const activityHandlers: EventHandlers = {
  activityTaskScheduledEventAttributes: scheduled,
  activityTaskStartedEventAttributes: started,
  activityTaskCompletedEventAttributes: completed,
  activityTaskFailedEventAttributes: closed('failed', 'activityTaskFailedEventAttributes'),
  activityTaskTimedOutEventAttributes: closed('timed-out', 'activityTaskTimedOutEventAttributes'),
  activityTaskCanceledEventAttributes: closed('cancelled', 'activityTaskCanceledEventAttributes'),
};
