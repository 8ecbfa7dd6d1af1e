/**
 * One measurement each: a fresh lab, the bare runbook script on it, a workflow run on it, the
 * snapshot against `etcdctl snapshot save`. Times are wall-clock milliseconds of the whole operation.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { Lab } from '../../lab';
import { createBackupActivities } from '../../src/activities/backup';
import {
  createEtcdActivities,
  etcdConnector,
} from '../../src/activities/etcd/activities';
import { auditReportFromEvents } from '../../src/audit';
import { flattenFailure } from '../../src/client';
import { WORKFLOW_TYPE } from '../../src/config';
import type { BenchCase } from './config';
import {
  type ActivitySpan,
  activitySpans,
  type WorkflowTaskTimes,
  workflowTaskTimes,
} from './timeline';

const execFileP = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

/** A lab for `c` on `block`, not started yet. */
export const labFor = (c: BenchCase, block: number): Lab =>
  new Lab({ block, etcdVersion: c.version, tls: c.tls });

/**
 * etcd refuses a member add until the receiving member's peer connections have been up for 5 s, so a
 * run right after the lab started would wait for that, whoever runs: the bench measures a settled
 * cluster, as an operator meets it.
 */
const SETTLE_MS = 6_000;

/** What a lab was seeded with. */
export interface Seeded {
  /** 1 MiB values written (fewer than asked when the quota came first). */
  values: number;
  /** The database size (bytes) after seeding, as the first member reports it. */
  dbBytes: number;
  /** The leader's raft index after seeding. */
  raftIndex: number;
}

/** Starts the lab afresh, writes its data and lets it settle. */
export async function freshLab(lab: Lab, c: BenchCase): Promise<Seeded> {
  const t0 = Date.now();
  await lab.start();
  const seeded = await seed(lab, c.dataMiB);
  await new Promise((r) =>
    setTimeout(r, Math.max(0, SETTLE_MS - (Date.now() - t0))),
  );
  return seeded;
}

/**
 * etcd's default quota, which Kubespray's ETCD_QUOTA_BACKEND_BYTES keeps: past it etcd raises NOSPACE
 * and refuses writes (the run's verify writes too). The database is ~1.3x the values written (bbolt's
 * pages and free list), so 2000 x 1 MiB would pass it: the seed stops at QUOTA_SHARE of it.
 */
export const QUOTA_BYTES = 2 * 1024 ** 3;
const QUOTA_SHARE = 0.9;
/**
 * Kubespray's ETCD_SNAPSHOT_COUNT: once a member has applied this many entries it keeps a raft
 * snapshot and drops the older log, and a new member then receives the database itself, then the
 * tail. A real cluster of a few GB has long passed it; a lab seeded with a few thousand large values
 * has not, and its learners would replay the whole log instead. Large cases write small entries past it.
 */
const SNAPSHOT_COUNT = 100_000;
/** A case this large is run as a real cluster of its size would be: past a raft snapshot (and its labs one at a time). */
export const LARGE_MIB = 1000;

/**
 * `mib` MiB of data in 1 MiB values (etcd's request limit is 1.5 MiB), four writes at a time, stopping
 * short of the quota; a large case then also writes small entries past the raft snapshot count.
 */
async function seed(lab: Lab, mib: number): Promise<Seeded> {
  await lab.seedKeys(20);
  const etcd = lab.cluster.client();
  const status = async () => {
    const st = await etcd.maintenance.status();
    return { dbBytes: Number(st.dbSize), raftIndex: Number(st.raftIndex) };
  };
  const value = Buffer.alloc(1 << 20, 'x');
  let values = 0;
  try {
    for (let i = 0; i < mib; i += 4) {
      if (i % 64 === 0 && (await status()).dbBytes > QUOTA_BYTES * QUOTA_SHARE)
        break;
      await Promise.all(
        [0, 1, 2, 3]
          .filter((j) => i + j < mib)
          .map((j) => etcd.put(`/bench/blob-${i + j}`).value(value)),
      );
      values = Math.min(mib, i + 4);
    }
    if (mib >= LARGE_MIB) {
      // One small key overwritten: each put is one raft entry and a few bytes of database.
      let index = (await status()).raftIndex;
      while (index <= SNAPSHOT_COUNT + 100) {
        await Promise.all(
          Array.from({ length: 500 }, (_, j) =>
            etcd.put('/bench/tick').value(String(index + j)),
          ),
        );
        index += 500;
      }
    }
    return { values, ...(await status()) };
  } finally {
    etcd.close();
  }
}

const timed = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

/** scripts/bench/bare-runbook.sh on the lab: 3 -> 5; `onOutput` is given what it printed (each member's times). */
export async function runBare(
  lab: Lab,
  onOutput?: (stdout: string) => void,
): Promise<number> {
  const tls = lab.cluster.clientTls;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ENDPOINTS: lab.cluster.endpoints.join(','),
    ETCDCTL: lab.release.etcdctl,
    SSH_USER: 'root',
    SSH_PORT: '2222',
    SSH_KEY: lab.keys.privateKeyFile,
    SSH_KNOWN_HOSTS: lab.keys.knownHostsFile,
    SNAPSHOT: join(lab.dir, 'bare-snapshot.db'),
    ...(tls
      ? {
          ETCDCTL_CACERT: tls.caFile,
          ETCDCTL_CERT: tls.certFile,
          ETCDCTL_KEY: tls.keyFile,
        }
      : {}),
  };
  const specs = lab.hosts.map(
    (h) =>
      `${h.options.name},${h.address},${lab.scheme}://${h.address}:2380,${lab.scheme}://${h.address}:2379`,
  );
  return timed(() =>
    execFileP(
      'bash',
      [join(ROOT, 'scripts', 'bench', 'bare-runbook.sh'), ...specs],
      { env, maxBuffer: 1 << 24 },
    ).then(
      (r) => onOutput?.(r.stdout),
      (err: Error & { stderr?: string }) => {
        throw new Error(
          `bare-runbook.sh failed: ${(err.stderr ?? err.message)
            .split('\n')
            .filter(
              (l) =>
                !l.includes('"level":"info"') && !l.includes('ETCDCTL_API'),
            )
            .slice(-8)
            .join('\n')}`,
        );
      },
    ),
  );
}

export interface WorkflowRun {
  workflowId: string;
  ms: number;
  historyEvents: number;
  members: number;
  /** Per member: waitForCatchUp completed -> promoteMember completed. */
  promoteLagMs: number[];
  /** Each activity's span in the run (scripts/bench/timeline.ts). */
  spans: ActivitySpan[];
  /** The run's workflow tasks (the part of "no activity running" the worker's workflow code takes). */
  workflowTasks: WorkflowTaskTimes;
}

/** One scaleOutEtcd run on the lab, start to result, through `taskQueue`. */
export async function runWorkflow(
  client: Client,
  taskQueue: string,
  lab: Lab,
): Promise<WorkflowRun> {
  const request = lab.request({
    ticket: { id: `BENCH-${randomUUID().slice(0, 8)}`, requestedBy: 'bench' },
  });
  const t0 = performance.now();
  const handle = await client.workflow.start(WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `bench-${lab.options.block}-${randomUUID()}`,
    args: [request],
  });
  await handle.result().catch((err: unknown) => {
    throw new Error(
      `workflow ${handle.workflowId} failed: ${flattenFailure(err).message}`,
    );
  });
  const ms = performance.now() - t0;
  // The history once: the audit report (activities) and the workflow tasks both come from it.
  const events = (await handle.fetchHistory()).events ?? [];
  const report = await auditReportFromEvents(
    events,
    client.options.loadedDataConverter,
    handle.workflowId,
  );
  const completedAt = (name: string) =>
    report.activities
      .filter((a) => a.name === name && a.outcome === 'completed')
      .map((a) => Date.parse(a.closedAt as string));
  const caughtUp = completedAt('waitForCatchUp');
  return {
    workflowId: handle.workflowId,
    ms,
    historyEvents: report.historyLength,
    members: request.newMembers.length,
    promoteLagMs: completedAt('promoteMember').map(
      (p, i) => p - (caughtUp[i] ?? p),
    ),
    spans: activitySpans(report),
    workflowTasks: workflowTaskTimes(events),
  };
}

/** The activity's snapshot and `etcdctl snapshot save` from the same member, alternately; MB/s of each. */
export async function compareSnapshots(
  lab: Lab,
  rounds: number,
): Promise<{ activityMBps: number[]; etcdctlMBps: number[]; sizeMB: number }> {
  const connect = etcdConnector();
  const backup = createBackupActivities({
    etcd: createEtcdActivities({ connect }),
    connect,
  });
  const cluster = lab.request().cluster as Parameters<
    typeof backup.takeSnapshot
  >[0];
  const dir = join(lab.dir, 'bench-snapshots');
  const tls = lab.cluster.clientTls;
  const activityMBps: number[] = [];
  const etcdctlMBps: number[] = [];
  let sizeMB = 0;
  const etcdctl = (url: string, file: string) => {
    mkdirSync(dir, { recursive: true });
    return timed(() =>
      execFileP(
        lab.release.etcdctl,
        [
          `--endpoints=${url}`,
          ...(tls
            ? [
                `--cacert=${tls.caFile}`,
                `--cert=${tls.certFile}`,
                `--key=${tls.keyFile}`,
              ]
            : []),
          'snapshot',
          'save',
          file,
        ],
        { env: { ...process.env, ETCDCTL_API: '3' } },
      ),
    );
  };
  const activity = async (i: number) => {
    const t0 = performance.now();
    const r = await backup.takeSnapshot(
      cluster,
      dir,
      `bench-${i}`,
      `bench-${i}`,
    );
    sizeMB = r.sizeBytes / 1e6;
    // The member it chose: an original one, or (after a run) one of the new hosts.
    const host = lab.hosts.find((h) => h.options.name === r.member);
    return {
      ms: performance.now() - t0,
      url: host
        ? `${lab.scheme}://${host.address}:2379`
        : lab.cluster.endpoints[Number(r.member.replace('etcd', '')) - 1],
    };
  };
  // The first snapshot of a fresh member is slow whoever asks (cold pages): one of each, not counted.
  const { url } = await activity(-1);
  await etcdctl(url, join(dir, 'warm.db'));
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < rounds; i++) {
    // Alternate who goes first, so neither always gets the warmer cache.
    const first = i % 2 === 0 ? 'activity' : 'etcdctl';
    const a1 = first === 'activity' ? await activity(i) : undefined;
    const e = await etcdctl(url, join(dir, `etcdctl-${i}.db`));
    const a = a1 ?? (await activity(i));
    activityMBps.push(sizeMB / (a.ms / 1000));
    etcdctlMBps.push(sizeMB / (e / 1000));
    rmSync(dir, { recursive: true, force: true });
  }
  return { activityMBps, etcdctlMBps, sizeMB };
}
