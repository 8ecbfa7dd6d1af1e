/**
 * What the audit collects while it walks a history, event by event; one handler per event kind
 * (activities.ts, decisions.ts, lifecycle.ts) fills it in.
 */
import { timestampIso } from '../client/timestamps';
import type { HistoryDecoder, HistoryEvent } from './decoder';
import type {
  AuditActivity,
  AuditDecision,
  AuditPhase,
  AuditReport,
  RunStatus,
} from './types';

/** The request fields the audit reads; the input is whatever the run received, so all are optional. */
export interface RequestFacts {
  cluster?: { name?: string };
  ticket?: { id?: string; requestedBy?: string };
  strategy?: { approvers?: string[]; fourEyes?: boolean };
}

/** An activity while its events are read: its result stays here, it is not part of the report row. */
export type RecordedActivity = AuditActivity & { result?: unknown };

export interface Recording {
  request: RequestFacts;
  searchAttributes: Record<string, unknown>;
  phases: AuditPhase[];
  /** By the event ID of the activity's scheduled event, which its later events refer to. */
  activities: Map<number, RecordedActivity>;
  approvals: AuditDecision[];
  cancelRequests: AuditReport['cancelRequests'];
  status: RunStatus;
  closedAt?: string;
  outcome: AuditReport['outcome'];
}

export interface EventContext {
  event: HistoryEvent;
  /** The event's time, ISO. */
  at: string;
  eventId: number;
  dec: HistoryDecoder;
}

/** An event kind, named by its attributes field (e.g. `activityTaskScheduledEventAttributes`). */
export type EventKind = {
  [K in keyof HistoryEvent]-?: K extends `${string}EventAttributes` ? K : never;
}[keyof HistoryEvent];
export type Attributes<K extends EventKind> = NonNullable<HistoryEvent[K]>;

/** A handler gets its event's attributes; `ctx.event` has the rest (user metadata). */
export type EventHandler<K extends EventKind> = (
  rec: Recording,
  attributes: Attributes<K>,
  ctx: EventContext,
) => Promise<void> | void;

/** The handler for each event kind this report reads. */
export type EventHandlers = { [K in EventKind]?: EventHandler<K> };

export const eventTime = (e: HistoryEvent): string => timestampIso(e.eventTime);

/** The phase the run was in at this point of the history. */
export const currentPhase = (rec: Recording): string | undefined =>
  rec.phases[rec.phases.length - 1]?.phase;

/** A new phase began at `at` (repeats of the current phase are not new). */
export function enterPhase(rec: Recording, phase: unknown, at: string): void {
  if (typeof phase !== 'string' || !phase) return;
  const last = rec.phases[rec.phases.length - 1];
  if (last?.phase === phase) return;
  if (last) {
    last.until = at;
    last.durationMs = msBetween(last.at, at);
  }
  rec.phases.push({ phase, at });
}

export const msBetween = (a?: string, b?: string): number | undefined =>
  a && b ? Date.parse(b) - Date.parse(a) : undefined;
