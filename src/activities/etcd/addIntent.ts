/**
 * The add intent (runRecords.ts): before `member add`, a run records in etcd that it is about to add a
 * peer URL, so that a member later found with that URL can be told apart: this run's own add (a retry
 * after a lost answer, the rollback's remove) or anybody else's, which is never taken over nor removed.
 *
 * Three steps, each a compare-and-swap on the revision just read:
 *  1. claim: create the intent if absent, or replace one that is this run's own or a closed run's
 *     (asked of Temporal); another open run's, an unknown run's or an unreadable one refuses, named;
 *  2. confirm: the member list, read after the claim, does not have the peer URL (a member added by
 *     hand before or while the intent was claimed is not this run's), then the intent says `adding`;
 *  3. after the add: the intent records the member ID etcd gave.
 * A member with the peer URL is this run's only when the intent names this run and says `adding`, and
 * names the member's ID if it names one: a claimed-only intent means this run never sent its add.
 * What is left unknowable: a member someone adds by hand in the milliseconds between the confirming
 * read and this run's own add counts as this run's (etcd answers "peer URL exists" to both alike).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Etcd3 } from 'etcd3';
import { ErrorType } from '../../domain/errors';
import type { ClusterRef, EtcdClients } from './client';
import { etcdFailure } from './errors';
import type { RunStatusReader } from './lock';
import {
  type CurrentRun,
  describeRun,
  intentKey,
  parseRunRecord,
  type RunRef,
  readRecord,
  recordForOperator,
  type StoredRecord,
  sameRun,
  unreadableRecord,
} from './runRecords';

export interface AddIntent extends RunRef {
  member: string;
  at: string;
  /** `claimed` before the confirming read, `adding` once the add may be sent; absent: written before claims existed, right before the add. */
  state?: 'claimed' | 'adding';
  memberId?: string;
}

export interface IntentDeps {
  clients: EtcdClients;
  currentRun: CurrentRun;
  runStatus: RunStatusReader;
}

async function intentCall<T>(
  deps: Pick<IntentDeps, 'clients'>,
  cluster: ClusterRef,
  what: string,
  fn: (c: Etcd3) => Promise<T>,
): Promise<T> {
  try {
    return await deps.clients.withCluster(cluster, fn);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw etcdFailure(what, err);
  }
}

/** The intent for this peer URL as stored, and the run it names (undefined: none, or unreadable). */
export async function readIntent(
  deps: Pick<IntentDeps, 'clients'>,
  cluster: ClusterRef,
  peerURL: string,
): Promise<{ stored?: StoredRecord; intent?: AddIntent }> {
  const stored = await intentCall(
    deps,
    cluster,
    `reading the add intent of ${peerURL}`,
    (c) => readRecord(c, intentKey(peerURL)),
  );
  return { stored, intent: parseRunRecord<AddIntent>(stored?.value) };
}

/**
 * Whether member `memberId` with this peer URL is this run's: the intent names this run, its add was
 * sent after the peer URL was seen free, and it names this member if it names one. Else why not.
 */
export function intentOwnsMember(
  found: { stored?: StoredRecord; intent?: AddIntent },
  me: RunRef,
  memberId: string,
): { ours: true } | { ours: false; why: string } {
  const { stored, intent } = found;
  if (!stored) return { ours: false, why: 'no add intent names it' };
  if (!intent)
    return { ours: false, why: unreadableRecord(stored, 'its add intent') };
  if (!sameRun(intent, me))
    return { ours: false, why: `its add intent names ${describeRun(intent)}` };
  if (intent.state === 'claimed')
    return {
      ours: false,
      why: 'this run claimed the add intent but never sent its add (the member was added by someone else)',
    };
  if (intent.memberId !== undefined && intent.memberId !== memberId)
    return {
      ours: false,
      why: `this run added member ${intent.memberId}, not this one`,
    };
  return { ours: true };
}

const refuseIntent = (message: string) =>
  ApplicationFailure.nonRetryable(message, ErrorType.ScaleOutLocked);

/** Why another run's (or an unreadable) intent may not be taken over, or undefined when its run is closed. */
async function foreignIntentRefusal(
  deps: IntentDeps,
  stored: StoredRecord,
  intent: AddIntent | undefined,
  peerURL: string,
): Promise<string | undefined> {
  const what = `the add intent of ${peerURL}`;
  if (!intent) return unreadableRecord(stored, what);
  const status = await deps.runStatus(intent);
  if (status === 'closed') return undefined;
  return status === 'open'
    ? `${what} is held by ${describeRun(intent)}, which is still open: it is adding this peer URL now; ${recordForOperator(stored)}`
    : `${what} names ${describeRun(intent)}, which this Temporal namespace does not know (another namespace, or a history already deleted); ${recordForOperator(stored)}`;
}

/** One compare-and-swap write of this run's intent: created if absent, or over exactly `over`'s revision. */
async function writeIntent(
  deps: IntentDeps,
  cluster: ClusterRef,
  peerURL: string,
  value: AddIntent,
  over: StoredRecord | undefined,
): Promise<void> {
  const key = intentKey(peerURL);
  const ok = await intentCall(
    deps,
    cluster,
    `writing the add intent of ${peerURL}`,
    async (c) =>
      (
        await (over
          ? c.if(key, 'Mod', '==', over.modRevision)
          : c.if(key, 'Create', '==', 0)
        )
          .then(c.put(key).value(JSON.stringify(value)))
          .commit()
      ).succeeded,
  );
  if (!ok)
    throw ApplicationFailure.retryable(
      `the add intent of ${peerURL} (${key}) changed while this run wrote it`,
      ErrorType.EtcdRequestFailed,
    );
}

/** Step 1: this run's intent, `claimed`, by compare-and-swap (see the file's comment). */
export async function claimIntent(
  deps: IntentDeps,
  cluster: ClusterRef,
  member: { name: string; peerURL: string },
): Promise<void> {
  const me = deps.currentRun();
  const { stored, intent } = await readIntent(deps, cluster, member.peerURL);
  if (stored && !(intent && sameRun(intent, me))) {
    const refusal = await foreignIntentRefusal(
      deps,
      stored,
      intent,
      member.peerURL,
    );
    if (refusal) throw refuseIntent(`cluster ${cluster.name}: ${refusal}`);
  }
  const value: AddIntent = {
    ...me,
    member: member.name,
    at: new Date().toISOString(),
    state: 'claimed',
  };
  await writeIntent(deps, cluster, member.peerURL, value, stored);
}

/** Steps 2 and 3: the intent moves on (`adding`, then the member ID), only from this run's own. */
export async function advanceIntent(
  deps: IntentDeps,
  cluster: ClusterRef,
  peerURL: string,
  change: Pick<AddIntent, 'state' | 'memberId'>,
): Promise<void> {
  const { stored, intent } = await readIntent(deps, cluster, peerURL);
  if (!stored || !intent || !sameRun(intent, deps.currentRun()))
    throw ApplicationFailure.retryable(
      `the add intent of ${peerURL} is no longer this run's`,
      ErrorType.EtcdRequestFailed,
    );
  await writeIntent(deps, cluster, peerURL, { ...intent, ...change }, stored);
}

/** Drops this run's own intent once its member is removed; another's is left as it is. */
export async function dropOwnIntent(
  deps: Pick<IntentDeps, 'clients' | 'currentRun'>,
  cluster: ClusterRef,
  peerURL: string,
): Promise<void> {
  const key = intentKey(peerURL);
  await deps.clients
    .withCluster(cluster, async (c) => {
      const stored = await readRecord(c, key);
      const intent = parseRunRecord<AddIntent>(stored?.value);
      if (!stored || !intent || !sameRun(intent, deps.currentRun())) return;
      await c
        .if(key, 'Mod', '==', stored.modRevision)
        .then(c.delete().key(key))
        .commit();
    })
    .catch(() => undefined); // a leftover intent names a closed run: taken over by the next claim
}
