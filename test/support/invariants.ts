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
import type { Lab } from '../../lab';
import { sleep } from '../../lab/processes';

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
export const faultSummaries: Array<{
  fault: string;
  outcome: string;
  seconds: number;
  ok: boolean;
}> = [];

export async function assertInvariants(
  lab: Lab,
  expect: InvariantExpectation,
): Promise<void> {
  const settleMs = expect.settleMs ?? 15_000;
  const deadline = Date.now() + settleMs;
  let problems: string[] = [];
  for (;;) {
    try {
      problems = await lab.checkInvariants({
        members: expect.members,
        keys: expect.keys,
      });
    } catch (err) {
      problems = [`invariant check failed: ${(err as Error).message}`];
    }
    if (problems.length === 0 || Date.now() >= deadline) break;
    await sleep(500);
  }
  if (expect.fault) {
    const seconds = expect.startedAt
      ? (Date.now() - expect.startedAt) / 1000
      : 0;
    const outcome = expect.outcome ?? 'done';
    const line = problems.length
      ? `${outcome}; INVARIANTS BROKEN: ${problems.join('; ')}`
      : outcome;
    faultSummaries.push({
      fault: expect.fault,
      outcome: line,
      seconds,
      ok: problems.length === 0,
    });
    console.log(
      `      fault ${expect.fault}: ${line} (${seconds.toFixed(1)}s)`,
    );
  }
  assert.deepEqual(
    problems,
    [],
    `invariants after ${expect.fault ?? 'the run'}`,
  );
}
