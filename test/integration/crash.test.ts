/**
 * The crash matrix: the worker is a separate OS process (test/support/crashWorker.ts, the shipped
 * worker with a checkpoint hook), SIGKILLed at a named point, then a fresh shipped worker process
 * finishes the run. After each: the run
 * completed (or completed its rollback), no learner, no unstarted member, no duplicate peer URL, all
 * members healthy, keys intact. Prints the time from the kill to the first activity completed by the
 * new worker.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../lab';
import { WORKFLOW_TYPE } from '../../src/config';
import type { ScaleOutResult, scaleOutEtcd } from '../../src/workflows';
import {
  EtcdCluster,
  ScaleOutPhase,
} from '../../src/workflows/run/searchAttributes';
import { activitiesOf } from '../support/history';
import { outcome, takePeerPortOnce } from '../support/runs';
import { getStack, testWorkerEnv } from '../support/stack';

interface KillCase {
  point: string;
  /** What the point stands for in the runbook. */
  when: string;
  /** A run that must roll back (the second new member's peer port is taken after preflight). */
  rollback?: boolean;
  /** What the completed run's result must show besides the invariants. */
  check?: (result: ScaleOutResult) => void;
}

const CASES: KillCase[] = [
  { point: 'takeSnapshot:start', when: 'after preflight, before the backup' },
  { point: 'takeSnapshot:streaming', when: 'during the backup stream' },
  {
    point: 'addLearner:after-add',
    when: 'right after member add is sent, before its result is recorded',
  },
  {
    point: 'writeEnvFile:after-save',
    when: "after the node's env file is saved, before the new one is written",
  },
  {
    point: 'startService:before',
    when: 'learner added, service not yet started',
  },
  {
    point: 'startService:after-start',
    when: 'service started, before the result is recorded',
  },
  { point: 'waitForCatchUp:polling', when: 'while waiting for catch-up' },
  {
    point: 'waitForCatchUp:after-promote',
    when: 'right after etcd accepted the promotion',
  },
  {
    point: 'verifyCluster:after-write',
    when: 'during verify (after the probe write)',
  },
  { point: 'addLearner:before@2', when: 'between the canary and the batch' },
  {
    point: 'updateMemberEnvFile:after-write@2',
    when: "an existing member's env file written, its result not recorded",
    // The files are written all at once: the second write to reach this point was killed with the
    // worker (and maybe others in flight), and its retry finds its file written already: unchanged,
    // its original kept from the first attempt. etcd5 joined last, with the full list: unchanged too.
    check: (r) => {
      const states = r.memberEnvFiles?.files.map((f) => f.state) ?? [];
      assert.equal(states.length, 5, JSON.stringify(states));
      assert.equal(states[4], 'unchanged', JSON.stringify(states));
      assert.ok(
        states.slice(0, 4).includes('unchanged') &&
          states.every((s) => s === 'updated' || s === 'unchanged'),
        JSON.stringify(states),
      );
    },
  },
  {
    point: 'removeMember:before',
    when: 'during a compensation (a run rolling back)',
    rollback: true,
  },
  {
    point: 'stopService:before@1',
    when: 'during a compensation, stopping the failed member',
    rollback: true,
  },
];

const WORKER = join(__dirname, '..', '..', 'src', 'worker.js');
const CRASH_WORKER = join(__dirname, '..', 'support', 'crashWorker.js');

/** Every worker a case started: a case that fails while waiting leaves none behind to keep mocha alive. */
const workers = new Set<ChildProcess>();

/** The crash worker when `killAt` names a point, else the shipped worker. */
function startWorker(
  address: string,
  taskQueue: string,
  logFile: string,
  killAt?: string,
): ChildProcess {
  const fd = openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...testWorkerEnv(),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
  };
  const worker = spawn(
    process.execPath,
    killAt ? [CRASH_WORKER, killAt] : [WORKER],
    { stdio: ['ignore', fd, fd], env },
  );
  workers.add(worker);
  worker.once('exit', () => workers.delete(worker));
  return worker;
}

const exited = (p: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) =>
    p.once('exit', (code, signal) => resolve(signal ?? code)),
  );

/** What a case needs before its run: its lab (on its own block) and its crash worker (on its own task queue). */
interface Prepared {
  lab: Lab;
  first: ChildProcess;
  started: Promise<unknown>;
  stopped?: Promise<void>;
}

const logFileOf = (i: number) => join(tmpdir(), `etcd-scaleout-crash-${i}.log`);

describe('crash matrix: worker SIGKILLed at named points', () => {
  const summary: string[] = [];
  /**
   * Case i+1's lab and crash worker start while case i runs (they share nothing with it), so a case waits
   * neither for them nor for etcd's refusal of a member add in the ~5 s after the members connected; a
   * case's lab is stopped in the background, and the after hook waits for every stop.
   */
  const prepared = new Map<number, Prepared>();
  function prepare(i: number, address: string): Prepared | undefined {
    if (i >= CASES.length) return undefined;
    let p = prepared.get(i);
    if (!p) {
      const lab = new Lab({ block: 30 + i });
      const first = startWorker(
        address,
        `crash-${i}`,
        logFileOf(i),
        CASES[i].point,
      );
      const started = lab.start();
      started.catch(() => undefined); // awaited by its case (not run under --grep)
      p = { lab, first, started };
      prepared.set(i, p);
    }
    return p;
  }
  const stopLab = (p: Prepared) => {
    p.stopped ??= p.started.then(
      () => p.lab.stop(),
      () => p.lab.stop(),
    );
    return p.stopped;
  };
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all([...prepared.values()].map(stopLab));
    console.log(
      `\n      crash matrix summary:\n${summary.map((s) => `      ${s}`).join('\n')}`,
    );
  });

  CASES.forEach((c, i) => {
    it(`kill point ${c.point} (${c.when})`, async () => {
      const { client, server } = await getStack();
      const p = prepare(i, server.address) as Prepared;
      prepare(i + 1, server.address);
      const { lab, first } = p;
      const taskQueue = `crash-${i}`;
      const logFile = logFileOf(i);
      let blocker: Server | undefined;
      let second: ChildProcess | undefined;
      try {
        await p.started;
        const keys = await lab.seedKeys(30);
        const handle = await client.workflow.start<typeof scaleOutEtcd>(
          WORKFLOW_TYPE,
          {
            taskQueue,
            workflowId: `crash-${i}-${Date.now()}`,
            args: [lab.request()],
            typedSearchAttributes: [
              { key: EtcdCluster, value: `lab-${30 + i}` },
              { key: ScaleOutPhase, value: 'validate' },
            ],
          },
        );
        if (c.rollback) {
          // Make the batch member's start fail once preflight has passed, so the run rolls back.
          blocker = await takePeerPortOnce(
            handle,
            lab.hosts[1],
            (p) => p.phase !== 'validate' && p.phase !== 'preflight',
          );
        }

        const how = await exited(first);
        const killedAt = Date.now();
        assert.equal(
          how,
          'SIGKILL',
          `the first worker should die at ${c.point}; see ${logFile}`,
        );
        second = startWorker(server.address, taskQueue, logFile);

        // Recovery: the first activity the new worker completes after the kill.
        let recoveredMs: number | undefined;
        const watch = (async () => {
          while (recoveredMs === undefined) {
            const closedAfterKill = (await activitiesOf(handle))
              .filter((a) => a.outcome === 'completed' && a.closedAt)
              .map((a) => Date.parse(a.closedAt as string) - killedAt)
              .filter((ms) => ms > 0);
            if (closedAfterKill.length)
              recoveredMs = Math.min(...closedAfterKill);
            else await new Promise((r) => setTimeout(r, 200));
          }
        })();

        const o = await outcome(handle);
        await Promise.race([watch, new Promise((r) => setTimeout(r, 5_000))]);
        const expected = c.rollback
          ? ['etcd1', 'etcd2', 'etcd3']
          : ['etcd1', 'etcd2', 'etcd3', 'etcd4', 'etcd5'];
        if (c.rollback) {
          assert.equal(o.ok, false, 'the run must roll back');
          if (!o.ok) {
            assert.match(o.message, /failed in batch \(etcd5: startService\)/);
            assert.deepEqual(o.details.notUndone, [], o.message);
          }
        } else if (!o.ok) assert.fail(o.message);
        else c.check?.(o.result);
        assert.deepEqual(
          await lab.checkInvariants({ members: expected, keys }),
          [],
        );
        const line = `kill point ${c.point.padEnd(28)} ${c.rollback ? 'rolled back' : 'completed  '} ${expected.length} members, invariants hold; progress again ${recoveredMs !== undefined ? `${(recoveredMs / 1000).toFixed(1)}s` : 'n/a'} after the kill`;
        summary.push(line);
        console.log(`      ${line}`);
      } finally {
        blocker?.close();
        first.kill('SIGKILL');
        second?.kill('SIGTERM');
        if (second) await exited(second);
        void stopLab(p);
      }
    });
  });
});
