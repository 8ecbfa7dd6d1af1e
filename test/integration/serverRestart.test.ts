/**
 * The Temporal server restarts in the middle of a run. Its own dev server (port 7645) persists to a
 * SQLite file; its own in-process worker has its own NativeConnection. While the canary is catching up,
 * the server is stopped, left down for a few seconds and started again on the same file; the run must
 * complete 3 -> 5 with the invariants intact.
 *
 * The canary's catch-up on loopback takes milliseconds, too short to stop a server in. So the learner is
 * held in catch-up for real: its etcd is SIGSTOPped the moment it logs "ready" (the service start has
 * succeeded by then), the leader's log is run past it (etcd then refuses its promotion), and it is
 * SIGCONTed once the server is back. waitForCatchUp is therefore in flight, heartbeating, for the
 * whole outage.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { Lab, TemporalDevServer } from '../../lab';
import { sleep } from '../../lab/processes';
import { connectClient } from '../../src/client';
import { WORKFLOW_TYPE } from '../../src/config';
import { connectNativeConnection } from '../../src/temporal/native';
import { createWorker } from '../../src/worker';
import type { scaleOutEtcd } from '../../src/workflows';
import {
  EtcdCluster,
  ScaleOutPhase,
} from '../../src/workflows/run/searchAttributes';
import { activitiesOf, printTimeline } from '../support/history';
import { assertInvariants } from '../support/invariants';
import { outcome, waitForProgress } from '../support/runs';
import { getStack, TEST_PROFILES } from '../support/stack';
import { freezeLearnerBehind, signal } from '../support/triggers';

const PORT = 7645;
const TASK_QUEUE = 'etcd-scaleout-server-restart';
const DOWN_MS = 5_000;

describe('Temporal server restart in the middle of a run', () => {
  const dir = join(tmpdir(), 'etcd-scaleout-server-restart');
  const lab = new Lab({ block: 81 });
  let server: TemporalDevServer | undefined;
  let client: Client | undefined;
  const workers: Array<{
    worker: Worker;
    connection: NativeConnection;
    running: Promise<void>;
    error?: Error;
  }> = [];

  const startWorker = async () => {
    const connection = (
      await connectNativeConnection({
        address: server!.address,
      })
    ).connection;
    const worker = await createWorker({
      connection,
      taskQueue: TASK_QUEUE,
      deps: { profiles: TEST_PROFILES },
    });
    const w: (typeof workers)[number] = {
      worker,
      connection,
      running: Promise.resolve(),
    };
    w.running = worker.run().catch((err: Error) => {
      w.error = err;
    });
    workers.push(w);
    return w;
  };

  before(async () => {
    // The shared stack installs the SDK runtime (logger) once per process: use the same one.
    await getStack();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  });

  after(async () => {
    for (const w of workers) {
      if (!w.error && w.worker.getState() === 'RUNNING') w.worker.shutdown();
      await w.running;
      await w.connection.close().catch(() => undefined);
    }
    await client?.connection.close().catch(() => undefined);
    await server?.stop();
    await lab.stop();
  });

  it('stopped while the canary catches up, started again on the same database: the run completes 3 -> 5', async () => {
    server = new TemporalDevServer({
      port: PORT,
      headless: true,
      dbFile: join(dir, 'temporal.db'),
      logFile: join(dir, 'temporal.log'),
    });
    await Promise.all([server.start(), lab.start()]);
    const keys = await lab.seedKeys(100);
    const first = await startWorker();
    client = await connectClient({ address: server.address });
    const t0 = Date.now();

    const host = lab.hosts[0];
    const frozen = freezeLearnerBehind(host, lab.cluster);
    const handle = await client.workflow.start<typeof scaleOutEtcd>(
      WORKFLOW_TYPE,
      {
        taskQueue: TASK_QUEUE,
        workflowId: `server-restart-${Date.now()}`,
        args: [lab.request()],
        typedSearchAttributes: [
          { key: EtcdCluster, value: 'lab-81' },
          { key: ScaleOutPhase, value: 'validate' },
        ],
      },
    );
    let pid: number | undefined;
    try {
      pid = await frozen;
      const p = await waitForProgress(
        handle,
        (x) => x.members[0]?.state === 'catching-up' || x.phase === 'failed',
        'etcd4 catching-up',
      );
      assert.equal(p.step, 'etcd4: waitForCatchUp');

      // The outage.
      const downAt = Date.now();
      await server.stop();
      await sleep(DOWN_MS);
      assert.equal(
        first.worker.getState(),
        'RUNNING',
        `the worker survives ${DOWN_MS / 1000}s without a server${first.error ? `: ${first.error.message}` : ''}`,
      );
      await server.start();
      const upAt = Date.now();
      signal(pid, 'SIGCONT');

      // The same worker goes on if it survived; a new one (new connection) is started only if it did not.
      let recreated = false;
      await sleep(1_000);
      if (first.error || first.worker.getState() !== 'RUNNING') {
        recreated = true;
        await startWorker();
      }
      const after = await waitForProgress(
        handle,
        (x) => x.phase === 'done' || x.phase === 'failed',
        'the run to finish',
        300_000,
      );
      const o = await outcome(handle);
      await printTimeline(handle);
      if (!o.ok) assert.fail(`the run failed after the restart: ${o.message}`);
      const r = o.result;
      assert.equal(after.phase, 'done');
      assert.equal(r.from, 3);
      assert.equal(r.to, 5);
      assert.deepEqual(r.membersAfter.map((m) => m.name).sort(), [
        'etcd1',
        'etcd2',
        'etcd3',
        'etcd4',
        'etcd5',
      ]);
      assert.ok(r.membersAfter.every((m) => !m.isLearner));
      assert.ok(
        Date.parse(r.timings.etcd4.caughtUpAt!) >= upAt - 1000,
        'etcd4 caught up only after the server was back (it was frozen until then)',
      );
      assert.equal(
        first.error,
        undefined,
        `the first worker failed: ${first.error?.message}`,
      );

      // What the outage did to the in-flight activity: its attempts as the history records them.
      const catchUpAttempt = Math.max(
        0,
        ...(await activitiesOf(handle, 'waitForCatchUp')).map(
          (a) => a.attempts,
        ),
      );
      await assertInvariants(lab, {
        members: ['etcd1', 'etcd2', 'etcd3', 'etcd4', 'etcd5'],
        keys,
        fault: 'Temporal server restart',
        outcome: `server down ${((upAt - downAt) / 1000).toFixed(1)}s during waitForCatchUp (SQLite kept the run); ${recreated ? 'worker recreated' : 'same worker reconnected by itself'}; waitForCatchUp finished on attempt ${catchUpAttempt}; completed 3 -> 5`,
        startedAt: t0,
      });
    } finally {
      signal(pid, 'SIGCONT');
    }
  });
});
