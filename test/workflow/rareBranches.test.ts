/**
 * The workflow's branches that no integration test reaches: an approval that times out (rolled back,
 * or the canary kept), `strategy.rollback: "none"`, and an undo that fails for good.
 *
 * The real `scaleOutEtcd` (bundled once) runs on Temporal's time-skipping test server, so a 24 h
 * approval timeout passes at once; its activities are the stubs of ./stubActivities (the suite's only
 * test doubles). The server comes from scripts/install-test-server.sh.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { CACHE_BIN } from '../../lab/temporal';
import { WORKFLOW_TYPE } from '../../src/config';
import { ErrorType } from '../../src/domain/errors';
import type { ScaleOutRequestInput } from '../../src/domain/request';
import type { scaleOutEtcd } from '../../src/workflows';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/searchAttributes';
import { type Outcome, outcome } from '../support/runs';
import { installTestRuntime } from '../support/stack';
import { type Fault, stubActivities } from './stubActivities';

const TEST_SERVER =
  process.env.TEMPORAL_TEST_SERVER || join(CACHE_BIN, 'temporal-test-server');
const DAY_MS = 86_400_000;
/** Real time after which a run that cannot end (a workflow task failing over and over) is terminated. */
const STUCK_MS = 30_000;

/** A lab-shaped request (block 90); nothing is contacted, the activities are stubs. */
const request = (
  strategy: ScaleOutRequestInput['strategy'] = {},
): ScaleOutRequestInput => ({
  cluster: {
    name: 'lab-90',
    endpoints: [
      'http://127.0.90.11:2379',
      'http://127.0.90.12:2379',
      'http://127.0.90.13:2379',
    ],
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

// The calls a member's join and its undo make, in order (see joinMember in src/workflows).
const joinCalls = (m: string) =>
  [
    'addLearner',
    'writeEnvFile',
    'startService',
    'waitForCatchUp',
    'promoteMember',
    'verifyCluster',
  ].map((a) => `${a} ${m}`);
const undoCalls = (m: string) =>
  ['removeMember', 'stopService', 'quarantineDataDir', 'restoreEnvFile'].map(
    (a) => `${a} ${m}`,
  );
const undoneLines = (m: string, id: string, host: string) => [
  `removed member ${m} (${id})`,
  `stopped etcd on ${host}`,
  'quarantined /var/lib/etcd/member.quarantined-<stamp>-rollback',
  `env file /etc/etcd.env on ${host}: previous`,
];
/** The quarantine's name carries the run's time: replaced by <stamp>. */
const stampless = (lines: string[]) =>
  lines.map((l) =>
    l
      .replace(/\d{8}T\d{6}Z/, '<stamp>')
      .replace(/etcd-scaleout-timeskip-[0-9a-f-]+/g, 'etcd-scaleout-<run>'),
  );

describe('scaleOutEtcd on the time-skipping test server, stub activities', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundleWithSourceMap;

  before(async function () {
    this.timeout(120_000);
    assert.ok(
      existsSync(TEST_SERVER),
      `no test server at ${TEST_SERVER}: run scripts/install-test-server.sh`,
    );
    installTestRuntime();
    [env, workflowBundle] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: TEST_SERVER } },
      }),
      bundleWorkflowCode({
        workflowsPath: require.resolve('../../src/workflows'),
        logger: Runtime.instance().logger,
      }),
    ]);
    // The workflow upserts its search attributes (all Keyword); the test server refuses unknown ones.
    const keyword =
      temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(
        SEARCH_ATTRIBUTES.map((sa) => [sa.name, keyword]),
      ),
    });
  });

  after(async () => {
    await env?.teardown();
  });

  /** Runs one scale-out to its end on a fresh worker with fresh stubs; returns its outcome and the stubs' calls. */
  async function run(
    input: ScaleOutRequestInput,
    faults: Record<string, Fault> = {},
  ): Promise<Outcome & { calls: string[]; serverMs: number }> {
    const stubs = stubActivities(input, faults);
    const taskQueue = `timeskip-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: stubs.activities,
    });
    const t0 = await env.currentTimeMs();
    const ended = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof scaleOutEtcd>(
        WORKFLOW_TYPE,
        { taskQueue, workflowId: `timeskip-${randomUUID()}`, args: [input] },
      );
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
   * The calls after preflight. Validate reads the cluster's profile; preflight inspects the cluster,
   * then at once both new nodes and their env files, the cluster's lock and the nodes' machine IDs (in
   * any order); the lock is taken right after.
   */
  function afterPreflight(all: string[]): string[] {
    assert.equal(all[0], 'loadClusterProfile');
    const calls = all.slice(1);
    assert.deepEqual(
      [calls[0], ...calls.slice(1, 8).sort()],
      [
        'inspectCluster',
        'inspectNode etcd4',
        'inspectNode etcd5',
        'readEnvFile etcd4',
        'readEnvFile etcd5',
        'readMachineId etcd4',
        'readMachineId etcd5',
        'readScaleOutLock',
      ],
    );
    assert.equal(calls[8], 'acquireScaleOutLock');
    return calls.slice(9);
  }

  it('approval timeout with onApprovalTimeout "rollback": undoes the canary, fails ApprovalTimedOut', async () => {
    const r = await run(
      request({ approval: 'after-canary', onApprovalTimeout: 'rollback' }),
    );
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.failure.type, ErrorType.ApprovalTimedOut);
    assert.ok(
      r.serverMs >= DAY_MS,
      `the 24 h approval timeout elapsed in server time (${r.serverMs} ms)`,
    );
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4'),
      'verifyCluster',
      ...undoCalls('etcd4'),
      'releaseScaleOutLock',
    ]);
    assert.equal(r.details.failedStep, 'approval');
    assert.match(
      r.details.cause,
      /^ApprovalTimedOut: no decision within 86400s/,
    );
    assert.deepEqual(
      stampless(r.details.undone),
      undoneLines('etcd4', '1004', '127.0.90.14'),
    );
    assert.deepEqual(r.details.notUndone, []);
    assert.match(
      r.message,
      /^scale-out of lab-90 failed in approval: ApprovalTimedOut: .*; undone: removed member etcd4 \(1004\); /,
    );
  });

  it('approval timeout with onApprovalTimeout "keep-canary": succeeds with the canary only, batch not run', async () => {
    const r = await run(
      request({ approval: 'after-canary', onApprovalTimeout: 'keep-canary' }),
    );
    assert.ok(r.ok, `the run succeeds${r.ok ? '' : `: ${r.message}`}`);
    assert.ok(
      r.serverMs >= DAY_MS,
      `the 24 h approval timeout elapsed in server time (${r.serverMs} ms)`,
    );
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4'),
      'verifyCluster',
      'inspectCluster',
      'releaseScaleOutLock',
    ]);
    const { result } = r;
    assert.equal(result.stoppedAfterCanary, true);
    assert.deepEqual([result.from, result.to], [3, 4]);
    assert.deepEqual(
      result.membersAfter.map((m) => m.name),
      ['etcd1', 'etcd2', 'etcd3', 'etcd4'],
    );
    assert.equal(result.approval.state, 'timed-out');
    assert.ok(
      result.warnings.includes(
        'approval timed out: kept the canary, did not add the batch',
      ),
      result.warnings.join('; '),
    );
  });

  it('strategy.rollback "none": a failure leaves the changes and lists what was not undone', async () => {
    const r = await run(request({ rollback: 'none' }), {
      'startService etcd5': {
        type: ErrorType.ServiceStartFailed,
        message: 'systemctl start etcd on 127.0.90.15 failed (exit 1)',
      },
    });
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.failure.type, ErrorType.ScaleOutFailed);
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4'),
      'verifyCluster',
      'addLearner etcd5',
      'writeEnvFile etcd5',
      'startService etcd5',
      'releaseScaleOutLock',
    ]);
    assert.equal(r.details.failedStep, 'batch (etcd5: startService)');
    assert.deepEqual(r.details.undone, []);
    assert.deepEqual(r.details.notUndone, [
      'undo etcd4 (strategy.rollback is "none")',
      'undo etcd5 (strategy.rollback is "none")',
    ]);
    assert.match(
      r.message,
      /failed in batch \(etcd5: startService\): ServiceStartFailed: systemctl start etcd on 127\.0\.90\.15 failed \(exit 1\); undone: nothing; NOT undone: undo etcd4 \(strategy\.rollback is "none"\); undo etcd5/,
    );
  });

  it('an undo that fails for good: the other undos still run, the failure lists what was and was not undone', async () => {
    const r = await run(request(), {
      'waitForCatchUp etcd5': {
        type: ErrorType.CatchUpTimeout,
        message: 'learner etcd5 did not catch up before the deadline',
      },
      'removeMember etcd5': {
        type: ErrorType.ClusterUnhealthy,
        message:
          'member remove 1005 (http://127.0.90.15:2380) failed: etcdserver: unhealthy cluster',
      },
    });
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.failure.type, ErrorType.ScaleOutFailed);
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4'),
      'verifyCluster',
      ...joinCalls('etcd5').slice(0, 4),
      'removeMember etcd5',
      ...undoCalls('etcd4'),
      'releaseScaleOutLock',
    ]);
    assert.equal(r.details.failedStep, 'batch (etcd5: waitForCatchUp)');
    assert.deepEqual(
      stampless(r.details.undone),
      undoneLines('etcd4', '1004', '127.0.90.14'),
    );
    // Nothing of etcd5's undo was done: every step is left, each as the command to run and where.
    assert.deepEqual(stampless(r.details.notUndone), [
      'undo etcd5: ClusterUnhealthy: member remove 1005 (http://127.0.90.15:2380) failed: etcdserver: unhealthy cluster; left to do by hand: ' +
        'remove the member with peer URL http://127.0.90.15:2380 (etcdctl member list; etcdctl member remove <its ID>); ' +
        'on 127.0.90.15: systemctl stop etcd; on 127.0.90.15: mv /var/lib/etcd/member /var/lib/etcd/member.quarantined-<stamp>-rollback; ' +
        'on 127.0.90.15: put back /etc/etcd.env from /etc/etcd.env.etcd-scaleout-<run>.bak (or remove it if /etc/etcd.env.etcd-scaleout-<run>.absent exists)',
    ]);
    assert.match(
      r.message,
      /; undone: removed member etcd4 \(1004\); .*; NOT undone: undo etcd5: ClusterUnhealthy: member remove 1005/,
    );
  });

  it('a failure after the last member is verified undoes nothing: the run succeeds with a warning', async () => {
    const r = await run(request(), {
      'inspectCluster#2': {
        type: ErrorType.EtcdRequestFailed,
        message: 'member list failed',
      },
    });
    assert.ok(r.ok, `the run succeeds${r.ok ? '' : `: ${r.message}`}`);
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4'),
      'verifyCluster',
      ...joinCalls('etcd5'),
      'inspectCluster',
      'releaseScaleOutLock',
    ]);
    const { result } = r;
    assert.deepEqual([result.from, result.to], [3, 5]);
    assert.deepEqual(
      result.membersAfter.map((m) => m.name),
      ['etcd1', 'etcd2', 'etcd3', 'etcd4', 'etcd5'],
    );
    assert.ok(
      result.warnings.some((w) =>
        /^the scale-out completed, but reading the member list after it failed \(EtcdRequestFailed: member list failed\): nothing was undone/.test(
          w,
        ),
      ),
      result.warnings.join('; '),
    );
  });
});
