/**
 * The backup adapter: a snapshot through the maintenance API, streamed from one healthy member to a
 * file on the worker, verified the way etcdctl verifies it (bbolt file + 32-byte SHA-256 trailer).
 * Idempotent: the file name derives from the run, and a verified file from an earlier attempt is reused.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { Etcd3 } from 'etcd3';
import { noCheckpoint, type CheckpointHook } from './checkpoints';
import { beat, resumeDetails } from './liveness';
import { ErrorType } from '../domain/errors';
import type { ClusterRef, EtcdActivities, EtcdConnect } from './etcd/activities';

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

/** Checks etcd's snapshot trailer: size = 512k + 32 and the last 32 bytes are SHA-256 of the rest. */
export async function verifySnapshotFile(path: string): Promise<{ sizeBytes: number; sha256: string }> {
  const { size } = await stat(path);
  if (size < 512 + TRAILER || size % 512 !== TRAILER) throw new Error(`snapshot ${path} has size ${size}, not a bbolt file plus a 32-byte hash: snapshot missing hash`);
  const body = createHash('sha256');
  const whole = createHash('sha256');
  const tail: Buffer[] = [];
  let read = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    const bodyPart = Math.max(0, Math.min(chunk.length, size - TRAILER - read));
    if (bodyPart > 0) body.update(chunk.subarray(0, bodyPart));
    if (bodyPart < chunk.length) tail.push(chunk.subarray(bodyPart));
    read += chunk.length;
  }
  const expected = Buffer.concat(tail);
  if (!body.digest().equals(expected)) throw new Error(`snapshot ${path}: SHA-256 trailer does not match its contents`);
  return { sizeBytes: size, sha256: whole.digest('hex') };
}

/** What an attempt records in its heartbeat, so a retry that finds the verified file can report it. */
type Progress = { revision: string; takenAt: string; member: string; bytes: number };

/** Streams the snapshot into `path`, writing chunks in order; returns the revision the stream's header names. */
async function stream(etcd: Etcd3, path: string, onChunk: (bytes: number, revision: string) => void): Promise<string> {
  const file = await open(path, 'w', 0o600);
  let revision = '';
  try {
    const chunks = await etcd.maintenance.snapshot();
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      let writing = Promise.resolve();
      chunks.on('data', (item) => {
        if (!revision && item.header?.revision) revision = item.header.revision;
        const blob = item.blob as Buffer;
        writing = writing.then(async () => {
          await file.write(blob);
          bytes += blob.length;
          onChunk(bytes, revision);
        });
        writing.catch(reject);
      });
      chunks.on('error', reject);
      chunks.on('end', () => writing.then(resolve, reject));
    });
    await file.sync();
    return revision;
  } finally {
    await file.close().catch(() => undefined);
  }
}

/** A verified file of an earlier attempt of this run, with what that attempt recorded; else undefined. */
async function earlier(path: string, source: string): Promise<BackupRecord | undefined> {
  try {
    const existing = await verifySnapshotFile(path);
    const { revision, takenAt, member } = resumeDetails<Partial<Progress>>() ?? {};
    return { path, ...existing, revision: revision ?? 'unknown', member: member ?? source, takenAt: takenAt ?? new Date().toISOString(), verified: 'sha256-trailer' };
  } catch {
    return undefined; // absent or incomplete: take it (again)
  }
}

export function createBackupActivities(deps: { etcd: EtcdActivities; connect: EtcdConnect; checkpoint?: CheckpointHook }) {
  const checkpoint = deps.checkpoint ?? noCheckpoint;

  return {
    async takeSnapshot(cluster: ClusterRef, dir: string, fileStem: string): Promise<BackupRecord> {
      const finalPath = `${dir}/${fileStem}.db`;
      checkpoint('takeSnapshot:start');
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw ApplicationFailure.nonRetryable(`cannot create backup.dir ${dir} on the worker: ${(err as NodeJS.ErrnoException).code}`, ErrorType.SnapshotFailed);
      }
      const state = await deps.etcd.inspectCluster(cluster);
      const source = state.members.find((m) => m.healthy && !m.isLearner && m.id !== state.leaderId) ?? state.members.find((m) => m.healthy && !m.isLearner);
      if (!source) throw ApplicationFailure.retryable(`no healthy member of ${cluster.name} to snapshot`, ErrorType.ClusterUnhealthy);
      const kept = await earlier(finalPath, source.name);
      if (kept) return kept;

      const partPath = `${finalPath}.part`;
      const etcd = await deps.connect([source.clientURLs[0]], cluster.tls);
      const takenAt = new Date().toISOString();
      let revision = '';
      let lastBeat = 0;
      try {
        // The snapshot holds at least everything up to this revision (asked of the source just before).
        revision = (await etcd.maintenance.status().catch(() => undefined))?.header.revision ?? '';
        const streamed = await stream(etcd, partPath, (bytes, headerRevision) => {
          revision ||= headerRevision;
          checkpoint('takeSnapshot:streaming');
          if (Date.now() - lastBeat > 1_000) {
            lastBeat = Date.now();
            beat({ revision, takenAt, member: source.name, bytes } satisfies Progress);
          }
        });
        revision ||= streamed;
      } catch (err) {
        await unlink(partPath).catch(() => undefined);
        throw ApplicationFailure.retryable(`snapshot from ${source.name} (${source.clientURLs[0]}) failed: ${(err as Error).message}`, ErrorType.SnapshotFailed);
      } finally {
        etcd.close();
      }
      let verified: { sizeBytes: number; sha256: string };
      try {
        verified = await verifySnapshotFile(partPath);
      } catch (err) {
        await unlink(partPath).catch(() => undefined);
        throw ApplicationFailure.retryable((err as Error).message, ErrorType.SnapshotFailed);
      }
      beat({ revision, takenAt, member: source.name, bytes: verified.sizeBytes } satisfies Progress);
      await rename(partPath, finalPath);
      return { path: finalPath, ...verified, revision, member: source.name, takenAt, verified: 'sha256-trailer' };
    },
  };
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
