/**
 * The invariant check every fault test ends with, and its one-line summary.
 *
 * `assertInvariants` wraps `Lab.checkInvariants` (no learner, no unstarted member, no duplicate peer
 * URL, every member healthy with one leader, exactly the expected members, the seeded keys intact).
 * A member that was restarted a moment ago may need a few seconds before it answers `status`, so the
 * check is repeated for up to `settleMs` until it passes; problems that remain are a failure. Nothing
 * here can turn a wrong membership into a pass: the member list does not change by itself.
 *
 * With `fault`, it prints `      fault <name>: <outcome> (<seconds>s)`, seconds counted from `startedAt`.
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import type { Lab } from '../../lab';
import { sleep } from '../../lab/processes';
import type { Progress, scaleOutEtcd } from '../../src/workflows';

type RunHandle = WorkflowHandle<typeof scaleOutEtcd>;

export interface InvariantExpectation {
  members: string[];
  keys: Record<string, string>;
  /** The fault's name for the summary line. */
  fault?: string;
  /** What happened, e.g. `rolled back: CatchUpTimeout` or `completed 3 -> 5`. */
  outcome?: string;
  /** Epoch ms when the fault's scenario began (the summary's seconds are counted from here). */
  startedAt?: number;
  /** How long to let a just-restarted member settle before the problems count (default 15 s). */
  settleMs?: number;
}

/** The fault summary lines printed so far (for a final table, if a test file wants one). */
export const faultSummaries: Array<{ fault: string; outcome: string; seconds: number; ok: boolean }> = [];

export async function assertInvariants(lab: Lab, expect: InvariantExpectation): Promise<void> {
  const settleMs = expect.settleMs ?? 15_000;
  const deadline = Date.now() + settleMs;
  let problems: string[] = [];
  for (;;) {
    try {
      problems = await lab.checkInvariants({ members: expect.members, keys: expect.keys });
    } catch (err) {
      problems = [`invariant check failed: ${(err as Error).message}`];
    }
    if (problems.length === 0 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (expect.fault) {
    const seconds = expect.startedAt ? (Date.now() - expect.startedAt) / 1000 : 0;
    const outcome = expect.outcome ?? 'done';
    const line = problems.length ? `${outcome}; INVARIANTS BROKEN: ${problems.join('; ')}` : outcome;
    faultSummaries.push({ fault: expect.fault, outcome: line, seconds, ok: problems.length === 0 });
    console.log(`      fault ${expect.fault}: ${line} (${seconds.toFixed(1)}s)`);
  }
  assert.deepEqual(problems, [], `invariants after ${expect.fault ?? 'the run'}`);
}

// ---------------------------------------------------------------------------------------------------
// Tools the fault tests share: deterministic triggers (progress query, log line) and real signals.

export async function waitForProgress(handle: RunHandle, pred: (p: Progress) => boolean, what: string, timeoutMs = 180_000): Promise<Progress> {
  const deadline = Date.now() + timeoutMs;
  let last: Progress | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query<Progress>('progress');
      if (pred(last)) return last;
    } catch {
      // the first workflow task has not run yet
    }
    await sleep(100);
  }
  throw new Error(`progress never reached: ${what}; last: ${JSON.stringify(last)}`);
}

/**
 * Calls `action` as soon as `re` appears in `file` after its current end (polled every 5 ms; the
 * run's own next step is at least an SSH round trip, a Temporal round trip and several etcd calls away).
 */
export function onLogLine<T>(file: string, re: RegExp, action: () => T, timeoutMs = 180_000): Promise<T> {
  let offset = existsSync(file) ? statSync(file).size : 0;
  let seen = '';
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      try {
        const size = existsSync(file) ? statSync(file).size : 0;
        if (size > offset) {
          const fd = openSync(file, 'r');
          const buf = Buffer.alloc(size - offset);
          readSync(fd, buf, 0, buf.length, offset);
          closeSync(fd);
          offset = size;
          seen = (seen + buf.toString('utf8')).slice(-4096);
          if (re.test(seen)) return resolve(action());
        }
      } catch (err) {
        return reject(err);
      }
      if (Date.now() > deadline) return reject(new Error(`${re} never appeared in ${file}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** A process that exists and is not a zombie (processes reparented to PID 1 may stay zombies for a while). */
export function running(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** With FAULTS_TIMELINE=1: each activity of the run with its seconds from the run's start, attempts and outcome. */
export async function printTimeline(handle: RunHandle): Promise<void> {
  if (!process.env.FAULTS_TIMELINE) return;
  const history = await handle.fetchHistory();
  const at = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) => Number(String(e.eventTime?.seconds ?? 0)) + (e.eventTime?.nanos ?? 0) / 1e9;
  const t0 = at(history.events![0]);
  const scheduled = new Map<string, { type: string; summary: string; t: number }>();
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), { type: s.activityType?.name ?? '', summary: '', t: at(e) });
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (done) {
      const a = scheduled.get(String(done.scheduledEventId))!;
      const how = e.activityTaskCompletedEventAttributes ? 'ok' : `${e.activityTaskFailedEventAttributes ? 'failed' : 'timed out'}: ${(done as { failure?: { message?: string | null } }).failure?.message?.slice(0, 160)}`;
      const started = history.events!.find((x) => x.activityTaskStartedEventAttributes && String(x.activityTaskStartedEventAttributes.scheduledEventId) === String(done.scheduledEventId));
      console.log(`        ${(a.t - t0).toFixed(1).padStart(6)}s -> ${(at(e) - t0).toFixed(1).padStart(6)}s ${a.type} attempt ${started?.activityTaskStartedEventAttributes?.attempt ?? '?'}: ${how}`);
    }
  }
}
