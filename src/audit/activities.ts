/** Activity events: scheduled (with its phase summary), started (attempt), and how it closed. */
import { rootCause } from '../client/failure';
import { int64ToNumber } from '../client/timestamps';
import type {
  EventHandler,
  EventHandlers,
  RecordedActivity,
  Recording,
} from './recording';
import type { ActivityOutcome } from './types';

const scheduled: EventHandler<'activityTaskScheduledEventAttributes'> = async (
  rec,
  a,
  { event, at, eventId, dec },
) => {
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

const activityOf = (
  rec: Recording,
  scheduledEventId: unknown,
): RecordedActivity | undefined =>
  rec.activities.get(int64ToNumber(scheduledEventId));

const started: EventHandler<'activityTaskStartedEventAttributes'> = async (
  rec,
  a,
  { at, dec },
) => {
  const act = activityOf(rec, a.scheduledEventId);
  if (!act) return;
  act.startedAt = at;
  act.attempts = a.attempt ?? 1;
  const lastFailure = await dec.failure(a.lastFailure);
  if (lastFailure) act.lastRetryFailure = rootCause(lastFailure);
};

/** The close events differ only in their outcome and in what they carry. */
type ClosedKind =
  | 'activityTaskFailedEventAttributes'
  | 'activityTaskTimedOutEventAttributes'
  | 'activityTaskCanceledEventAttributes';
function closed<K extends ClosedKind>(
  outcome: ActivityOutcome,
): EventHandler<K> {
  return async (rec, a, { at, dec }) => {
    const act = activityOf(rec, a.scheduledEventId);
    if (!act) return;
    act.outcome = outcome;
    act.closedAt = at;
    const failure = 'failure' in a ? await dec.failure(a.failure) : undefined;
    if (failure) act.failure = failure;
  };
}

const completed: EventHandler<'activityTaskCompletedEventAttributes'> = async (
  rec,
  a,
  { at, dec },
) => {
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
  activityTaskFailedEventAttributes: closed('failed'),
  activityTaskTimedOutEventAttributes: closed('timed-out'),
  activityTaskCanceledEventAttributes: closed('cancelled'),
};
