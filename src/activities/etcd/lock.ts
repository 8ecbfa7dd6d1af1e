/**
 * One scale-out per cluster, enforced in the cluster itself: a lock key in etcd naming the run that
 * holds it, taken with a transaction (create if absent) before the first change and released at the
 * end or after the rollback. A holder whose run is closed (asked of Temporal) is taken over; an open
 * one refuses the run, named; one Temporal does not know (another namespace, a deleted history) is
 * never taken over silently: the operator is told how to clear it.
 */

import { Context } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Etcd3 } from 'etcd3';
import { ErrorType } from '../../domain/errors';
import type { ClusterRef, EtcdClients } from './client';
import { etcdFailure } from './errors';
import {
  type CurrentRun,
  describeRun,
  INTENT_PREFIX,
  LOCK_KEY,
  parseRunRecord,
  type RunRef,
  readRecord,
  recordForOperator,
  type StoredRecord,
  sameRun,
  unreadableRecord,
} from './runRecords';

export interface LockHolder extends RunRef {
  since: string;
  ticket?: string;
}

export type RunStatus = 'open' | 'closed' | 'unknown';
export type RunStatusReader = (run: RunRef) => Promise<RunStatus>;

const CLOSED = [
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
  'TIMED_OUT',
];

/** A run's status through a Temporal client (any status not known to be closed counts as open). */
export function temporalRunStatus(client: () => Client): RunStatusReader {
  return async (run) => {
    try {
      const d = await client()
        .workflow.getHandle(run.workflowId, run.runId)
        .describe();
      return CLOSED.includes(d.status.name) ? 'closed' : 'open';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'unknown';
      throw ApplicationFailure.retryable(
        `could not ask Temporal for ${describeRun(run)}: ${(err as Error).message}`,
        ErrorType.EtcdRequestFailed,
      );
    }
  };
}

/** The worker's own client, which Temporal hands each activity. */
export const workerRunStatus: RunStatusReader = temporalRunStatus(
  () => Context.current().client,
);

export const describeHolder = (h: LockHolder): string =>
  `${describeRun(h)}${h.ticket ? `, ticket ${h.ticket}` : ''}, since ${h.since}`;

/**
 * Why a holder refuses this run, or undefined when the lock may be taken over. `stored` is the lock as
 * etcd keeps it (its revisions), for the operator when no run can be named.
 */
export function lockRefusal(
  cluster: string,
  holder: LockHolder | undefined,
  status: RunStatus,
  stored?: Partial<StoredRecord>,
): string | undefined {
  const record = { ...stored, key: LOCK_KEY };
  if (!holder)
    return unreadableRecord(record, `cluster ${cluster}: the scale-out lock`);
  if (status === 'open')
    return `cluster ${cluster} is being scaled out by ${describeHolder(holder)}; one scale-out per cluster: wait for it or cancel it`;
  if (status === 'unknown')
    return `cluster ${cluster}: the scale-out lock names ${describeHolder(holder)}, which this Temporal namespace does not know (another namespace, or a history already deleted); ${recordForOperator(record)}`;
  return undefined;
}

interface LockDeps {
  clients: EtcdClients;
  currentRun: CurrentRun;
  runStatus: RunStatusReader;
}

const readLock = async (c: Etcd3) => {
  const stored = await readRecord(c, LOCK_KEY);
  return stored
    ? {
        holder: parseRunRecord<LockHolder>(stored.value),
        modRevision: stored.modRevision,
        stored,
      }
    : undefined;
};

async function lockCall<T>(
  clients: EtcdClients,
  cluster: ClusterRef,
  what: string,
  fn: (c: Etcd3) => Promise<T>,
): Promise<T> {
  try {
    return await clients.withCluster(cluster, fn);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw etcdFailure(`${what} on cluster ${cluster.name}`, err);
  }
}

/** The lock's holder and its status; `refusal` says why this run may not proceed (preflight reports it). */
async function readScaleOutLock(
  deps: LockDeps,
  cluster: ClusterRef,
): Promise<{ holder?: LockHolder; refusal?: string }> {
  const { clients, currentRun, runStatus } = deps;
  const me = currentRun();
  const lock = await lockCall(
    clients,
    cluster,
    `reading ${LOCK_KEY}`,
    readLock,
  );
  if (!lock) return {};
  if (lock.holder && sameRun(lock.holder, me)) return { holder: lock.holder };
  const refusal = lockRefusal(
    cluster.name,
    lock.holder,
    lock.holder ? await runStatus(lock.holder) : 'unknown',
    lock.stored,
  );
  return { holder: lock.holder, ...(refusal ? { refusal } : {}) };
}

/** Takes the lock for this run (already ours counts as taken); a closed holder is taken over. */
async function acquireScaleOutLock(
  deps: LockDeps,
  cluster: ClusterRef,
  ticket?: string,
): Promise<{ tookOverFrom?: LockHolder }> {
  const { clients, currentRun, runStatus } = deps;
  const me = currentRun();
  const value = JSON.stringify({
    ...me,
    since: new Date().toISOString(),
    ...(ticket ? { ticket } : {}),
  });
  return lockCall(clients, cluster, `taking ${LOCK_KEY}`, async (c) => {
    const created = await c
      .if(LOCK_KEY, 'Create', '==', 0)
      .then(c.put(LOCK_KEY).value(value))
      .commit();
    if (created.succeeded) return {};
    const lock = await readLock(c);
    if (!lock)
      throw ApplicationFailure.retryable(
        `${LOCK_KEY} was released while taking it`,
        ErrorType.EtcdRequestFailed,
      );
    if (lock.holder && sameRun(lock.holder, me)) return {};
    const refusal = lockRefusal(
      cluster.name,
      lock.holder,
      lock.holder ? await runStatus(lock.holder) : 'unknown',
      lock.stored,
    );
    if (refusal)
      throw ApplicationFailure.nonRetryable(refusal, ErrorType.ScaleOutLocked);
    const taken = await c
      .if(LOCK_KEY, 'Mod', '==', lock.modRevision)
      .then(c.put(LOCK_KEY).value(value))
      .commit();
    if (!taken.succeeded)
      throw ApplicationFailure.retryable(
        `${LOCK_KEY} changed while taking it over`,
        ErrorType.EtcdRequestFailed,
      );
    return { tookOverFrom: lock.holder };
  });
}

/** Releases the lock if this run holds it, and drops this run's add intents (their members are settled). */
async function releaseScaleOutLock(
  deps: Pick<LockDeps, 'clients' | 'currentRun'>,
  cluster: ClusterRef,
): Promise<{ released: boolean }> {
  const { clients, currentRun } = deps;
  const me = currentRun();
  return lockCall(clients, cluster, `releasing ${LOCK_KEY}`, async (c) => {
    const intents = await c.getAll().prefix(INTENT_PREFIX).strings();
    for (const [key, value] of Object.entries(intents)) {
      const owner = parseRunRecord(value);
      if (owner && sameRun(owner, me))
        await c
          .if(key, 'Value', '==', value)
          .then(c.delete().key(key))
          .commit();
    }
    const lock = await readLock(c);
    if (!lock?.holder || !sameRun(lock.holder, me)) return { released: false };
    const r = await c
      .if(LOCK_KEY, 'Mod', '==', lock.modRevision)
      .then(c.delete().key(LOCK_KEY))
      .commit();
    return { released: r.succeeded };
  });
}

export function createLockActivities(deps: LockDeps) {
  return {
    readScaleOutLock: (cluster: ClusterRef) => readScaleOutLock(deps, cluster),
    acquireScaleOutLock: (cluster: ClusterRef, ticket?: string) =>
      acquireScaleOutLock(deps, cluster, ticket),
    releaseScaleOutLock: (cluster: ClusterRef) =>
      releaseScaleOutLock(deps, cluster),
  };
}
