/** Protobuf timestamps (as found in Temporal histories) to milliseconds and ISO strings. */

export interface ProtoTimestamp {
  seconds?: unknown;
  nanos?: number | null;
}

/** Seconds arrive as a number, a Long or a numeric string, depending on the decoder. */
const secondsOf = (v: unknown): number =>
  v == null ? 0 : typeof v === 'number' ? v : Number(String(v));

export function timestampMs(ts: ProtoTimestamp): number {
  return secondsOf(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** An absent timestamp reads as the epoch: it sorts first and is visibly not a real time. */
export function timestampIso(ts: ProtoTimestamp | null | undefined): string {
  return new Date(ts ? timestampMs(ts) : 0).toISOString();
}

/** Protobuf int64 values (event IDs) the same way. */
export const int64ToNumber = secondsOf;
