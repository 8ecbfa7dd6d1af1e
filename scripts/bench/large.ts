/**
 * A case of a size real clusters reach (issue 23: 2000 x 1 MiB, up to etcd's default quota). Its two
 * labs (five hosts of ~2 GB each, plus the snapshots) run one after the other, each removed before
 * the next starts, after a check that the disk holds one. Besides the whole run against the bare
 * script, it reports the backup (the run's takeSnapshot, and takeSnapshot against `etcdctl snapshot
 * save` on the same member after the run) and each member's catch-up (its start, which returns once
 * the learner is ready, plus waitForCatchUp).
 */
import { statfsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { LABS_ROOT, type Lab } from '../../lab';
import {
  compareSnapshots,
  freshLab,
  labFor,
  QUOTA_BYTES,
  runBare,
  runWorkflow,
  type Seeded,
  type WorkflowRun,
} from './cases';
import type { BenchCase } from './config';
import { seconds } from './stats';

/** Five hosts' data dirs (database and log), the run's backup and the snapshots compared: in database sizes. */
const LAB_DATABASES = 12;

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** Refuses to start a lab the disk cannot hold: a full disk would fail the lab's etcd, not the bench. */
function checkFreeDisk(c: BenchCase): void {
  const fs = statfsSync(LABS_ROOT.replace(/\/etcd-scaleout-lab$/, ''));
  const free = fs.bavail * fs.bsize;
  const need = LAB_DATABASES * Math.min(c.dataMiB * 1.3 * 2 ** 20, QUOTA_BYTES);
  if (free < need)
    throw new Error(
      `${c.name}: ${gb(free)} free where its labs live, ${gb(need)} needed (five hosts' data, the backup and the snapshots compared); free some, or leave the case out`,
    );
}

/**
 * The test hosts' systemctl stand-in gives a start 30 s to become ready (enough for the tests); a
 * learner that must first receive a 2 GB database needs longer. systemd's default TimeoutStartSec is
 * 90 s, which Kubespray's etcd.service keeps: the large case's hosts get that, in their own copy.
 */
const SYSTEMD_START_TIMEOUT_S = 90;
function systemdStartTimeout(lab: Lab): void {
  for (const host of lab.hosts)
    host.node.setStartTimeout(SYSTEMD_START_TIMEOUT_S);
}

/**
 * A cluster near the quota is a busy one (Kubernetes writes node leases and events every few seconds);
 * a seeded lab is quiet, and etcd 3.6 then holds a new member's start for as long as nothing is
 * written: once it has applied the leader's database, the learner refuses its own publish ("too many
 * requests") until a later entry is applied, and only the publish makes it ready. Measured: a
 * learner that had applied the database 3 min before was ready 21 ms after one put by hand. So
 * while a run goes on, both sides' labs get one small put a second, to a key of the bench's own.
 */
function clusterTraffic(lab: Lab): () => void {
  const etcd = lab.cluster.client();
  let n = 0;
  const timer = setInterval(() => {
    etcd
      .put('/bench/traffic')
      .value(String(n++))
      .catch(() => undefined);
  }, 1000);
  return () => {
    clearInterval(timer);
    etcd.close();
  };
}

/** A fresh lab for `fn`, stopped (and its folder removed) afterwards whatever happened. */
async function withLab<T>(
  c: BenchCase,
  block: number,
  live: Set<() => Promise<unknown>>,
  fn: (lab: Lab, seeded: Seeded) => Promise<T>,
): Promise<T> {
  checkFreeDisk(c);
  const lab = labFor(c, block);
  const stop = () => lab.stop().catch(() => undefined);
  live.add(stop);
  try {
    const seeded = await freshLab(lab, c);
    systemdStartTimeout(lab);
    const quiet = clusterTraffic(lab);
    try {
      return await fn(lab, seeded);
    } finally {
      quiet();
    }
  } finally {
    live.delete(stop);
    await stop();
  }
}

export interface LargeRound {
  bareMs: number;
  run: WorkflowRun;
  lines: string[];
}

/** One round of a large case: the bare script on one lab, then the workflow and the snapshots on another. */
export async function largeRound(
  c: BenchCase,
  block: number,
  client: Client,
  taskQueue: string,
  live: Set<() => Promise<unknown>>,
  log: (line: string) => void,
): Promise<LargeRound> {
  log(`${c.name}: bare script on a fresh lab`);
  // A failed bare run is reported, and the workflow still measured (the labs are its cost).
  let bareFailure = '';
  let bareTimes = '';
  const bare = await withLab(c, block, live, async (lab, seeded) => ({
    ms: await runBare(lab, (out) => {
      bareTimes = out.trim().split('\n').join('; ');
    }).catch((err: Error) => {
      bareFailure = err.message.slice(0, 400);
      return Number.NaN;
    }),
    seeded,
  }));
  log(
    `${c.name}: bare ${bareFailure ? `FAILED: ${bareFailure}` : seconds(bare.ms)}; the workflow on a fresh lab`,
  );
  return withLab(c, block + 1, live, async (lab, seeded) => {
    const run = await runWorkflow(client, taskQueue, lab);
    log(`${c.name}: workflow ${seconds(run.ms)}; snapshots compared`);
    const snap = await compareSnapshots(lab, 1);
    const span = (type: string) => run.spans.filter((s) => s.type === type);
    const took = (s: { start: number; end: number }) => s.end - s.start;
    const starts = span('startService');
    const catchUps = span('waitForCatchUp');
    const backup = span('takeSnapshot')[0];
    return {
      bareMs: bare.ms,
      run,
      lines: [
        `${c.name}: ${seeded.values} x 1 MiB written (${bare.seeded.values} on the bare script's lab), database ${gb(seeded.dbBytes)} (etcd's default quota ${gb(QUOTA_BYTES)}), raft index ${seeded.raftIndex} (past the snapshot count: new members are sent the database)`,
        `${c.name}: whole run: bare ${bareFailure ? `failed (${bareFailure})` : seconds(bare.ms)}, workflow ${seconds(run.ms)}: ${(run.ms / bare.ms).toFixed(2)}x`,
        `${c.name}: backup in the run: takeSnapshot ${backup ? seconds(took(backup)) : 'n/a'}; after it, on one member of ${snap.sizeMB.toFixed(0)} MB: takeSnapshot ${snap.activityMBps[0].toFixed(0)} MB/s (${seconds((snap.sizeMB / snap.activityMBps[0]) * 1000)}), etcdctl snapshot save ${snap.etcdctlMBps[0].toFixed(0)} MB/s (${seconds((snap.sizeMB / snap.etcdctlMBps[0]) * 1000)})`,
        `${c.name}: catch-up per member (startService, which returns once the learner is ready, + waitForCatchUp): ${starts
          .map(
            (s, i) =>
              `${seconds(took(s))} + ${catchUps[i] ? seconds(took(catchUps[i])) : 'n/a'}`,
          )
          .join(', ')}`,
        `${c.name}: the bare script per member: ${bareTimes || 'n/a'}`,
      ],
    };
  });
}
