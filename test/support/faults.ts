/**
 * The fault tests' shared set-up (test/integration/faults-*.test.ts): a fresh lab per test on its own
 * block, stopped after the test, and the helpers that read a run's outcome, its attempts and the
 * cluster's members.
 */
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { Etcd3 } from 'etcd3';
import { Lab, type TestHost } from '../../lab';
import type { scaleOutEtcd } from '../../src/workflows';
import { activitiesOf } from './history';
import type { Outcome } from './runs';
import { getStack } from './stack';

export const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
export type Handle = WorkflowHandle<typeof scaleOutEtcd>;

export async function memberNames(
  lab: Lab,
  endpoints = lab.cluster.endpoints,
): Promise<
  Array<{ id: string; name: string; peerURLs: string[]; isLearner: boolean }>
> {
  const c = new Etcd3({ hosts: endpoints, dialTimeout: 2000 });
  try {
    const { members } = await c.cluster.memberList({});
    return members.map((m) => ({
      id: m.ID,
      name: m.name,
      peerURLs: m.peerURLs,
      isLearner: !!m.isLearner,
    }));
  } finally {
    c.close();
  }
}

/** Each activity of one type in the run (from the audit report): its last attempt and the failure of the one before. */
export async function attemptsOf(
  handle: Handle,
  activityType: string,
): Promise<Array<{ attempt: number; lastFailure?: string }>> {
  return (await activitiesOf(handle, activityType)).map((a) => ({
    attempt: a.attempts,
    lastFailure: a.lastRetryFailure,
  }));
}

export const failureOf = (o: Outcome): Exclude<Outcome, { ok: true }> => {
  if (o.ok)
    assert.fail(
      `the run should have failed, but it completed: ${o.result.from} -> ${o.result.to}`,
    );
  return o as Exclude<Outcome, { ok: true }>;
};
export const succeeded = (o: Outcome) => {
  if (!o.ok) assert.fail(`the run should have completed: ${o.message}`);
  return o.result;
};
export const isActive = async (host: TestHost) =>
  (await host.ssh('systemctl is-active etcd || true')).stdout.trim();
export const secondsSince = (t: number) =>
  `${((Date.now() - t) / 1000).toFixed(1)}s`;

/**
 * For the describe block that calls it: the suite's stack started before its tests, and a function
 * that starts a lab on a block for one test (stopped after that test).
 */
export function useFaultLabs(): (
  block: number,
  options?: { newHosts?: number },
) => Promise<Lab> {
  const labs: Lab[] = [];
  before(async () => {
    await getStack();
  });
  afterEach(() => {
    while (labs.length) labs.pop()?.stopLater();
  });
  return async (block, options = {}) => {
    const lab = new Lab({ block, ...options });
    labs.push(lab);
    await lab.start();
    return lab;
  };
}
