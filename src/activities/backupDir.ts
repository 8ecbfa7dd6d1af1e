/**
 * The backup directory on the worker: room for a snapshot before it is streamed, the record kept next
 * to each snapshot (so a reused file reports its real time and revision, and proves which run took
 * it), and the retention of old snapshots (ETCD_SCALEOUT_BACKUP_KEEP, default 10).
 */
import {
  readdir,
  readFile,
  stat,
  statfs,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';

/** What is written next to `<file>.db` as `<file>.db.json` once the snapshot is verified. */
export interface SnapshotRecord {
  cluster: string;
  runId: string;
  revision: string;
  member: string;
  takenAt: string;
}

export const DEFAULT_KEEP = 10;
/** A snapshot may be a little larger than the dbSize etcd reported a moment before; and leave the disk some air. */
const SPACE_FACTOR = 1.1;
const SPACE_SLACK = 64 * 1024 * 1024;

/** The worker's retention setting: ETCD_SCALEOUT_BACKUP_KEEP (a whole number >= 1), else DEFAULT_KEEP. */
export function backupsToKeep(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ETCD_SCALEOUT_BACKUP_KEEP;
  if (raw === undefined || raw === '') return DEFAULT_KEEP;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw ApplicationFailure.nonRetryable(
      `ETCD_SCALEOUT_BACKUP_KEEP on the worker must be a whole number >= 1, got ${JSON.stringify(raw)}`,
      ErrorType.SnapshotFailed,
    );
  return n;
}

/** The bytes a snapshot of a `dbSize`-byte database needs on disk, margin included. */
export const spaceNeeded = (dbSize: number): number =>
  Math.ceil(dbSize * SPACE_FACTOR) + SPACE_SLACK;

/** Refuses (not retried: an operator must free space) when `dir` cannot hold the snapshot. */
export async function checkFreeSpace(
  dir: string,
  dbSize: number,
): Promise<void> {
  const fs = await statfs(dir);
  const free = Number(fs.bavail) * Number(fs.bsize);
  const needed = spaceNeeded(dbSize);
  if (free < needed) {
    throw ApplicationFailure.nonRetryable(
      `backup.dir ${dir} on the worker has ${mib(free)} free, the snapshot needs ${mib(needed)} (database ${mib(dbSize)} + margin): free space there or point backup.dir elsewhere`,
      ErrorType.BackupSpaceLow,
    );
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export const recordPath = (snapshotPath: string) => `${snapshotPath}.json`;

export async function writeRecord(
  snapshotPath: string,
  record: SnapshotRecord,
): Promise<void> {
  await writeFile(
    recordPath(snapshotPath),
    `${JSON.stringify(record, null, 2)}\n`,
    { mode: 0o600 },
  );
}

/** The record of `snapshotPath` if it is this run's; undefined if absent, unreadable or another run's. */
export async function recordOfRun(
  snapshotPath: string,
  cluster: string,
  runId: string,
): Promise<SnapshotRecord | undefined> {
  try {
    const record = JSON.parse(
      await readFile(recordPath(snapshotPath), 'utf8'),
    ) as SnapshotRecord;
    return record.cluster === cluster && record.runId === runId
      ? record
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Deletes this cluster's oldest snapshots beyond `keep`. Only files with a record naming the cluster
 * are counted or touched: whatever else is in the directory is the operator's.
 */
export async function pruneSnapshots(
  dir: string,
  cluster: string,
  keep: number,
): Promise<string[]> {
  const ours: Array<{ path: string; mtimeMs: number }> = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.db')) continue;
    const path = join(dir, name);
    const record = await readFile(recordPath(path), 'utf8').then(
      (t) => JSON.parse(t) as SnapshotRecord,
      () => undefined,
    );
    if (record?.cluster !== cluster) continue;
    ours.push({ path, mtimeMs: (await stat(path)).mtimeMs });
  }
  const old = ours.sort((a, b) => b.mtimeMs - a.mtimeMs).slice(keep);
  for (const { path } of old) {
    await unlink(path).catch(() => undefined);
    await unlink(recordPath(path)).catch(() => undefined);
  }
  return old.map((o) => o.path);
}
