/**
 * The backup adapter: a snapshot through the maintenance API, streamed from one healthy member to a
 * file on the worker with backpressure, hashed while it is written and verified the way etcdctl
 * verifies it (bbolt file + 32-byte SHA-256 trailer), so no second read of the file is needed.
 * Each run takes its own snapshot (the run ID is in the file name); a verified file is reused only by
 * the run whose record (backupDir.ts) it carries.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { Etcd3 } from 'etcd3';
import { ErrorType } from '../domain/errors';
import {
  backupsToKeep,
  checkFreeSpace,
  pruneSnapshots,
  recordOfRun,
  writeRecord,
} from './backupDir';
import { type CheckpointHook, noCheckpoint } from './checkpoints';
import type {
  ClusterRef,
  ClusterState,
  EtcdActivities,
  EtcdConnect,
  MemberStatus,
} from './etcd/activities';
import { beat } from './liveness';
import { backupTaken } from './metrics';

export interface BackupRecord {
  path: string;
  sizeBytes: number;
  revision: string;
  sha256: string;
  member: string;
  takenAt: string;
  verified: 'sha256-trailer';
}

const TRAILER = 32;

/**
 * etcd's snapshot check, fed chunk by chunk: the size is 512k + 32 and the last 32 bytes are the
 * SHA-256 of everything before them. The last 32 bytes seen are held back from the body's hash; the
 * whole file's hash is the body's hash state (copied) plus those 32 bytes, so every byte is hashed once.
 */
export class TrailerCheck {
  private readonly body: Hash = createHash('sha256');
  private held = Buffer.alloc(0);
  private size = 0;

  update(chunk: Buffer): void {
    this.size += chunk.length;
    if (chunk.length >= TRAILER) {
      // The common case (etcd sends 32 KiB chunks): no copy of the chunk, only of its last 32 bytes.
      this.body.update(this.held);
      this.body.update(chunk.subarray(0, chunk.length - TRAILER));
      this.held = Buffer.from(chunk.subarray(chunk.length - TRAILER));
      return;
    }
    const joined = Buffer.concat([this.held, chunk]);
    const cut = Math.max(0, joined.length - TRAILER);
    if (cut > 0) this.body.update(joined.subarray(0, cut));
    this.held = Buffer.from(joined.subarray(cut));
  }

  /** The size and SHA-256 of the whole file, or an error saying why it is not a complete snapshot. */
  result(what: string): { sizeBytes: number; sha256: string } {
    if (this.size < 512 + TRAILER || this.size % 512 !== TRAILER)
      throw new Error(
        `snapshot ${what} has size ${this.size}, not a bbolt file plus a 32-byte hash: snapshot missing hash`,
      );
    const whole = this.body.copy().update(this.held).digest('hex');
    if (!this.body.digest().equals(this.held))
      throw new Error(
        `snapshot ${what}: SHA-256 trailer does not match its contents`,
      );
    return { sizeBytes: this.size, sha256: whole };
  }
}

/** Checks a snapshot file on disk (a reused one): etcd's trailer, as TrailerCheck. */
export async function verifySnapshotFile(
  path: string,
): Promise<{ sizeBytes: number; sha256: string }> {
  const check = new TrailerCheck();
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1 << 20,
  }) as AsyncIterable<Buffer>)
    check.update(chunk);
  return check.result(path);
}

/**
 * Streams the snapshot into `path`: chunks are hashed as they pass and written in order, and the
 * gRPC stream is paused while the disk is behind (pipeline's backpressure), so memory stays flat.
 * Returns the verified size and hash and the revision the stream's header names.
 */
async function stream(
  etcd: Etcd3,
  path: string,
  onChunk: (bytes: number) => void,
): Promise<{ sizeBytes: number; sha256: string; headerRevision: string }> {
  const chunks = await etcd.maintenance.snapshot();
  const check = new TrailerCheck();
  let headerRevision = '';
  let bytes = 0;
  const hashing = new Transform({
    writableObjectMode: true,
    // Room for a few MiB in flight on each side: a paused gRPC stream stalls on HTTP/2 flow control,
    // so pausing at every 16 chunks halves the throughput; this still bounds memory at ~24 MiB.
    writableHighWaterMark: 256,
    readableHighWaterMark: 8 << 20,
    transform(
      item: { blob: Buffer; header?: { revision?: string } },
      _enc,
      done,
    ) {
      if (
        !headerRevision &&
        item.header?.revision &&
        item.header.revision !== '0'
      )
        headerRevision = item.header.revision;
      check.update(item.blob);
      bytes += item.blob.length;
      onChunk(bytes);
      done(null, item.blob);
    },
  });
  await pipeline(
    chunks as unknown as NodeJS.ReadableStream,
    hashing,
    createWriteStream(path, { mode: 0o600, highWaterMark: 8 << 20 }),
  );
  const file = await open(path, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  return { ...check.result(path), headerRevision };
}

/** This run's verified file from an earlier attempt, with its recorded time and revision; else undefined. */
async function earlier(
  path: string,
  cluster: string,
  runId: string,
): Promise<BackupRecord | undefined> {
  const record = await recordOfRun(path, cluster, runId);
  if (!record) return undefined; // absent, incomplete, or not this run's: take it (again)
  try {
    const existing = await verifySnapshotFile(path);
    return {
      path,
      ...existing,
      revision: record.revision,
      member: record.member,
      takenAt: record.takenAt,
      verified: 'sha256-trailer',
    };
  } catch {
    return undefined;
  }
}

interface BackupDeps {
  etcd: EtcdActivities;
  connect: EtcdConnect;
  checkpoint?: CheckpointHook;
}

async function makeBackupDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `cannot create backup.dir ${dir} on the worker: ${(err as NodeJS.ErrnoException).code}`,
      ErrorType.SnapshotFailed,
    );
  }
}

/** A healthy voter to snapshot, a follower rather than the leader when there is one. */
function snapshotSource(state: ClusterState, cluster: string): MemberStatus {
  const source =
    state.members.find(
      (m) => m.healthy && !m.isLearner && m.id !== state.leaderId,
    ) ?? state.members.find((m) => m.healthy && !m.isLearner);
  if (!source)
    throw ApplicationFailure.retryable(
      `no healthy member of ${cluster} to snapshot`,
      ErrorType.ClusterUnhealthy,
    );
  return source;
}

/**
 * Streams `source`'s snapshot into `partPath` (removed again if that fails), beating at most once a
 * second; returns the verified size and hash, the snapshot's revision and when it was taken.
 */
async function snapshotFrom(
  deps: BackupDeps,
  checkpoint: CheckpointHook,
  cluster: ClusterRef,
  source: MemberStatus,
  partPath: string,
): Promise<{
  sizeBytes: number;
  sha256: string;
  revision: string;
  takenAt: string;
}> {
  const etcd = await deps.connect([source.clientURLs[0]], cluster.tls, 'bulk');
  const takenAt = new Date().toISOString();
  let lastBeat = 0;
  try {
    // A lower bound, asked of the source just before; the stream's header, when etcd fills it, is the snapshot's own.
    const before =
      (await etcd.maintenance.status().catch(() => undefined))?.header
        .revision ?? '';
    const streamed = await stream(etcd, partPath, (bytes) => {
      checkpoint('takeSnapshot:streaming');
      if (Date.now() - lastBeat > 1_000) {
        lastBeat = Date.now();
        beat({ member: source.name, bytes });
      }
    });
    return {
      sizeBytes: streamed.sizeBytes,
      sha256: streamed.sha256,
      revision: streamed.headerRevision || before,
      takenAt,
    };
  } catch (err) {
    await unlink(partPath).catch(() => undefined);
    throw ApplicationFailure.retryable(
      `snapshot from ${source.name} (${source.clientURLs[0]}) failed: ${(err as Error).message}`,
      ErrorType.SnapshotFailed,
    );
  } finally {
    etcd.close();
  }
}

/** `runId` proves a file found under this name was taken by this run (a retry), not by another. */
async function takeSnapshot(
  deps: BackupDeps,
  cluster: ClusterRef,
  dir: string,
  fileStem: string,
  runId = fileStem,
): Promise<BackupRecord> {
  const checkpoint = deps.checkpoint ?? noCheckpoint;
  const finalPath = `${dir}/${fileStem}.db`;
  checkpoint('takeSnapshot:start');
  const keep = backupsToKeep();
  await makeBackupDir(dir);
  const kept = await earlier(finalPath, cluster.name, runId);
  if (kept) return kept;
  const state = await deps.etcd.inspectCluster(cluster);
  const source = snapshotSource(state, cluster.name);
  await checkFreeSpace(
    dir,
    Math.max(0, ...state.members.map((m) => Number(m.dbSize ?? 0))),
  );

  const partPath = `${finalPath}.part`;
  const { revision, takenAt, ...verified } = await snapshotFrom(
    deps,
    checkpoint,
    cluster,
    source,
    partPath,
  );
  await writeRecord(finalPath, {
    cluster: cluster.name,
    runId,
    revision,
    member: source.name,
    takenAt,
  });
  await rename(partPath, finalPath);
  await pruneSnapshots(dir, cluster.name, keep).catch(() => undefined); // retention never fails a run's backup
  return {
    path: finalPath,
    ...verified,
    revision,
    member: source.name,
    takenAt,
    verified: 'sha256-trailer',
  };
}

export function createBackupActivities(deps: BackupDeps) {
  return {
    takeSnapshot: async (
      cluster: ClusterRef,
      dir: string,
      fileStem: string,
      runId?: string,
    ) => {
      const startedMs = Date.now();
      const record = await takeSnapshot(deps, cluster, dir, fileStem, runId);
      backupTaken(cluster.name, record.sizeBytes, Date.now() - startedMs);
      return record;
    },
  };
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
