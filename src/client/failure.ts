/**
 * A Temporal failure (or any error) flattened to what an operator reads: its type, its message,
 * ApplicationFailure details, and the chain of causes below it. The CLI, the API and the audit
 * report all show failures through this one function.
 */
import { WorkflowFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  TemporalFailure,
  TimeoutFailure,
} from '@temporalio/common';

export interface FlatFailure {
  message: string;
  /** ApplicationFailure type (e.g. ScaleOutFailed, ServiceStartFailed) or the failure class. */
  type?: string;
  nonRetryable?: boolean;
  /** Decoded ApplicationFailure details. */
  details?: unknown[];
  /** The cause chain below this failure, outermost first, as `type: message`. */
  causes?: string[];
}

const MAX_CAUSES = 10;

export function failureType(err: Error): string {
  if (err instanceof ApplicationFailure)
    return err.type ?? 'ApplicationFailure';
  if (err instanceof TimeoutFailure)
    return `TimeoutFailure(${err.timeoutType})`;
  return err.name;
}

function causeLine(err: Error): string {
  if (err instanceof ActivityFailure)
    return `ActivityFailure: ${err.activityType} (${err.activityId}) ${err.retryState ? `retry state ${err.retryState}` : ''}`.trim();
  return `${failureType(err)}: ${err.message}`;
}

/** A run's failure (WorkflowFailedError is unwrapped to its cause) or any error, flattened. */
export function flattenFailure(err: unknown): FlatFailure {
  const e = err instanceof WorkflowFailedError && err.cause ? err.cause : err;
  if (!(e instanceof Error)) return { message: String(e) };
  const causes: string[] = [];
  for (
    let c = e.cause;
    c instanceof Error && causes.length < MAX_CAUSES;
    c = c.cause
  )
    causes.push(causeLine(c));
  // Only Temporal failures have a type worth naming; a plain Error's name says nothing.
  const type = e instanceof TemporalFailure ? failureType(e) : undefined;
  return {
    message: e.message || type || 'unknown failure',
    ...(type ? { type } : {}),
    ...(e instanceof ApplicationFailure
      ? {
          nonRetryable: !!e.nonRetryable,
          ...(e.details?.length ? { details: e.details as unknown[] } : {}),
        }
      : {}),
    ...(causes.length ? { causes } : {}),
  };
}

/** The innermost cause's `type: message`, the way operators want to read it. */
export function rootCause(f: FlatFailure): string {
  return f.causes?.length
    ? f.causes[f.causes.length - 1]
    : `${f.type ? `${f.type}: ` : ''}${f.message}`;
}
