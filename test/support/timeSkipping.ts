/**
 * The time-skipping tests' set-up (test/workflow/rareBranches-*.test.ts): the real `scaleOutEtcd` (bundled once) on
 * Temporal's time-skipping test server, so a 24 h approval timeout passes at once, with the stub
 * activities of test/workflow/stubs/ (the suite's only test doubles). The server comes from
 * scripts/install-test-server.sh; it is started once for the files that use it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { CACHE_BIN } from '../../lab/temporal';
import { WORKFLOW_TYPE } from '../../src/config';
import type { ScaleOutRequestInput } from '../../src/domain/request/request';
import { addSearchAttributes } from '../../src/worker/searchAttributes';
import type { scaleOutEtcd } from '../../src/workflows';
import { type Fault, stubActivities } from '../workflow/stubs';
import { type Outcome, outcome } from './runs';
import { sharedFixture } from './shared';
import { installTestRuntime } from './stack';

export const TEST_SERVER =
  process.env.TEMPORAL_TEST_SERVER || join(CACHE_BIN, 'temporal-test-server');
export const DAY_MS = 86_400_000;
/** Real time after which a run that cannot end (a workflow task failing over and over) is terminated. */
export const STUCK_MS = 30_000;

/** A lab-shaped request (block 90); nothing is contacted, the activities are stubs. */
export const request = (
  strategy: ScaleOutRequestInput['strategy'] = {},
): ScaleOutRequestInput => ({
  cluster: {
    name: 'lab-90',
    endpoints: [
      'http://127.0.90.11:2379',
      'http://127.0.90.12:2379',
      'http://127.0.90.13:2379',
    ],
    newMemberNetworks: ['127.0.90.0/24'],
  },
  newMembers: [4, 5].map((n) => ({
    name: `etcd${n}`,
    host: `127.0.90.1${n}`,
    peerURL: `http://127.0.90.1${n}:2380`,
    clientURL: `http://127.0.90.1${n}:2379`,
  })),
  ssh: {
    user: 'root',
    port: 2222,
    privateKeyFile: '/tmp/etcd-scaleout-lab/block-90/keys/id_ed25519',
    knownHostsFile: '/tmp/etcd-scaleout-lab/block-90/keys/known_hosts',
  },
  strategy: { canary: 1, staleDataDir: 'quarantine', ...strategy },
  ticket: { id: 'LAB-90', requestedBy: 'lab' },
});

// The calls a member's join and its undo make, in order (see joinMember in src/workflows). A member
// prepared `ahead` (while the member before it caught up, or the canary beside the backup, see
// preparedAhead) has its env file written for the planned member list before its add, and not again
// when etcd's list after the add is that.
export const joinCalls = (m: string, how?: 'ahead') =>
  [
    ...(how === 'ahead'
      ? ['writeEnvFile', 'addLearner']
      : ['addLearner', 'writeEnvFile']),
    'startService',
    'waitForCatchUp', // ends with the promotion, when etcd accepts it
    'verifyCluster',
  ].map((a) => `${a} ${m}`);
/** The memberEnvFiles phase's calls (all at once; afterPreflight sorts them): the three original members, then the new ones. */
export const memberEnvCalls = (...joined: string[]) => [
  'updateMemberEnvFile',
  'updateMemberEnvFile',
  'updateMemberEnvFile',
  ...joined.map((m) => `updateMemberEnvFile ${m}`),
];
export const undoCalls = (m: string) =>
  ['removeMember', 'stopService', 'quarantineDataDir', 'restoreEnvFile'].map(
    (a) => `${a} ${m}`,
  );
export const undoneLines = (m: string, id: string, host: string) => [
  `removed member ${m} (${id})`,
  `stopped etcd on ${host}`,
  'quarantined /var/lib/etcd/member.quarantined-<stamp>-rollback',
  `env file /etc/etcd.env on ${host}: previous`,
];
/** The quarantine's name carries the run's time: replaced by <stamp>. */
export const stampless = (lines: string[]) =>
  lines.map((l) =>
    l
      .replace(/\d{8}T\d{6}Z/, '<stamp>')
      .replace(/etcd-scaleout-timeskip-[0-9a-f-]+/g, 'etcd-scaleout-<run>'),
  );

interface TimeSkipping {
  env: TestWorkflowEnvironment;
  workflowBundle: WorkflowBundleWithSourceMap;
}

const timeSkipping = sharedFixture<TimeSkipping>(
  async () => {
    assert.ok(
      existsSync(TEST_SERVER),
      `no test server at ${TEST_SERVER}: run scripts/install-test-server.sh`,
    );
    installTestRuntime();
    const [env, workflowBundle] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: TEST_SERVER } },
      }),
      bundleWorkflowCode({
        workflowsPath: require.resolve('../../src/workflows'),
        logger: Runtime.instance().logger,
      }),
    ]);
    // The workflow upserts its search attributes; the test server refuses unknown ones. Registered
    // as the shipped worker registers them.
    try {
      await addSearchAttributes(env.nativeConnection, 'default');
    } catch (err) {
      await env.teardown();
      throw err;
    }
    return { env, workflowBundle };
  },
  async ({ env }) => {
    await env.teardown();
  },
  120_000,
);

/** The time-skipping server for the describe block that calls it; the result runs one scale-out on it. */
export function useTimeSkipping(): (
  input: ScaleOutRequestInput,
  faults?: Record<string, Fault>,
  options?: RunOptions,
) => Promise<Outcome & { calls: string[]; serverMs: number }> {
  const get = timeSkipping();
  return (input, faults, options) => run(get(), input, faults, options);
}

export interface RunOptions {
  /** Cancel the run before any worker polls: its first workflow task holds the start and the cancel. */
  cancelBeforeFirstTask?: boolean;
  /** Another workflow type than the scale-out (its input then names no new members). */
  workflowType?: string;
  /** Existing members (by name) the stubs report unhealthy. */
  unhealthy?: string[];
}

/** Runs one scale-out to its end on a fresh worker with fresh stubs; returns its outcome and the stubs' calls. */
async function run(
  { env, workflowBundle }: TimeSkipping,
  input: ScaleOutRequestInput,
  faults: Record<string, Fault> = {},
  options: RunOptions = {},
): Promise<Outcome & { calls: string[]; serverMs: number }> {
  // A scale-in's input names no new members.
  const stubs = stubActivities(
    { ...input, newMembers: input.newMembers ?? [] },
    faults,
    options.unhealthy,
  );
  const taskQueue = `timeskip-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: stubs.activities,
  });
  const t0 = await env.currentTimeMs();
  const start = () =>
    env.client.workflow.start<typeof scaleOutEtcd>(
      options.workflowType ?? WORKFLOW_TYPE,
      {
        taskQueue,
        workflowId: `timeskip-${randomUUID()}`,
        args: [input],
      },
    );
  let cancelled: Awaited<ReturnType<typeof start>> | undefined;
  if (options.cancelBeforeFirstTask) {
    cancelled = await start();
    await cancelled.cancel();
  }
  const ended = await worker.runUntil(async () => {
    const handle = cancelled ?? (await start());
    const stuck = setTimeout(
      () =>
        void handle
          .terminate(
            `no end after ${STUCK_MS} ms of real time (TEST_LOG_LEVEL=WARN shows failing workflow tasks)`,
          )
          .catch(() => undefined),
      STUCK_MS,
    );
    try {
      return await outcome(handle);
    } finally {
      clearTimeout(stuck);
    }
  });
  return {
    ...ended,
    calls: stubs.calls,
    serverMs: (await env.currentTimeMs()) - t0,
  };
}

/**
 * The calls with each node's preparation written where its join begins: a node prepared ahead, while
 * the member before it caught up (the canary: beside the backup), made those calls beside that member's
 * (or the snapshot's; in any order, being concurrent). Its env file write (the one before its add) is moved to right before its add.
 */
export function preparedAhead(calls: string[]): string[] {
  const out = [...calls];
  for (let i = 0; i < out.length; i++) {
    const m = /^writeEnvFile (\S+)$/.exec(out[i]);
    const add = m ? out.indexOf(`addLearner ${m[1]}`, i) : -1;
    if (add <= i + 1) continue;
    const [write] = out.splice(i, 1);
    out.splice(add - 1, 0, write);
    i--;
  }
  return out;
}

/**
 * The calls after preflight (their joins as preparedAhead writes them). Validate reads the cluster's
 * profile; preflight inspects the cluster and, beside it, the new nodes (each probe reads its machine
 * ID too), their own env files, the members' hosts' env files and the lock (in any order); the lock is
 * taken right after.
 */
export function afterPreflight(all: string[]): string[] {
  assert.equal(all[0], 'loadClusterProfile');
  const calls = all.slice(1);
  // The node probes, their env files, the members' hosts' env files and the lock are asked beside the
  // cluster's status: in any order.
  assert.deepEqual(calls.slice(0, 9).sort(), [
    'inspectCluster',
    'inspectNode etcd4', // reads the machine ID too
    'inspectNode etcd5',
    'readEnvFile', // etcd1-3's hosts (steps/memberHosts.ts)
    'readEnvFile',
    'readEnvFile',
    'readEnvFile etcd4',
    'readEnvFile etcd5',
    'readScaleOutLock',
  ]);
  assert.equal(calls[9], 'acquireScaleOutLock');
  return envWritesSorted(resultReadFirst(preparedAhead(calls.slice(10))));
}

/**
 * The result's member list is read as the memberEnvFiles phase starts, beside its writes (in any order
 * with them): placed just before the first write, as the expectations list it.
 */
function resultReadFirst(calls: string[]): string[] {
  const firstWrite = calls.findIndex((c) =>
    c.startsWith('updateMemberEnvFile'),
  );
  const read = calls.lastIndexOf('inspectCluster');
  if (firstWrite < 0 || read < 0) return calls;
  const out = [...calls];
  out.splice(read, 1);
  out.splice(
    read < firstWrite ? firstWrite - 1 : firstWrite,
    0,
    'inspectCluster',
  );
  return out;
}

/** The memberEnvFiles phase writes every file at once: each run of its writes, sorted (as memberEnvCalls lists them). */
export function envWritesSorted(calls: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  for (const c of [...calls, '']) {
    if (c.startsWith('updateMemberEnvFile')) {
      run.push(c);
      continue;
    }
    out.push(...run.sort());
    run = [];
    if (c) out.push(c);
  }
  return out;
}
