/**
 * Liveness of activities, so a dead worker is noticed in seconds rather than at startToCloseTimeout:
 *  - `keepAlive`: an activity interceptor that heartbeats every second while any activity runs, with
 *    the activity's latest details (so resume data is never overwritten by an empty beat);
 *  - `beat(details)`: what activities call to record progress (the snapshot, the catch-up wait).
 *  - `killPoint(name)`: a test hook. With ETCD_SCALEOUT_KILL_AT=<name>[@<n>] in the worker's
 *    environment, the worker process SIGKILLs itself the n-th time it reaches that point, so crash
 *    tests stop it at a named instant instead of by timing luck. Unset in production: a no-op.
 */
import { writeSync } from 'node:fs';
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
      const timer = setInterval(() => ctx.heartbeat(latest.get(ctx) ?? ctx.info.heartbeatDetails), 1_000);
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});

const reached = new Map<string, number>();

export function killPoint(name: string): void {
  const target = process.env.ETCD_SCALEOUT_KILL_AT;
  if (!target) return;
  const [point, occurrence = '1'] = target.split('@');
  const n = (reached.get(name) ?? 0) + 1;
  reached.set(name, n);
  if (point === name && n === Number(occurrence)) {
    writeSync(2, `etcd-scaleout: kill point ${target} reached, SIGKILL (pid ${process.pid})\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
