/**
 * Liveness of activities, so a dead worker is noticed in seconds rather than at startToCloseTimeout:
 *  - `keepAlive`: an activity interceptor that heartbeats every second while any activity runs, with
 *    the activity's latest details (so resume data is never overwritten by an empty beat);
 *  - `beat(details)`: what activities call to record progress (the snapshot, the catch-up wait).
 */
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

const latest = new WeakMap<Context, unknown>();

function current(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // outside an activity (the lab or the CLI's dry run call adapters directly)
  }
}

export function beat(details?: unknown): void {
  const ctx = current();
  if (!ctx) return;
  if (details !== undefined) latest.set(ctx, details);
  ctx.heartbeat(latest.get(ctx));
}

/** Details recorded by an earlier attempt of this activity (Temporal keeps the last heartbeat's). */
export function resumeDetails<T>(): T | undefined {
  return current()?.info.heartbeatDetails as T | undefined;
}

export const keepAlive: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const timer = setInterval(
        () => ctx.heartbeat(latest.get(ctx) ?? ctx.info.heartbeatDetails),
        1_000,
      );
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});

/**
 * Waits `ms` inside an activity; rejects as soon as the activity is cancelled (Context.sleep), so a
 * wait that polls never holds up a cancel. Outside an activity: a plain timer.
 */
export function pause(ms: number): Promise<void> {
  const ctx = current();
  return ctx ? ctx.sleep(ms) : new Promise<void>((r) => setTimeout(r, ms));
}

/** One info line in the worker's log, with the activity's attributes (outside an activity: nothing). */
export function note(message: string): void {
  current()?.log.info(message);
}
