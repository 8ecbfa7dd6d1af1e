/**
 * Which run did what, written in the cluster itself: etcd is the one place every entry (CLI, UI, API,
 * another worker) shares, so ownership recorded there holds whatever started the run. Two records:
 *  - the scale-out lock (`LOCK_KEY`): the run scaling the cluster out now;
 *  - an add intent per peer URL (`intentKey`): the run that is about to `member add` it, written before
 *    the add, so a retry can tell its own earlier add from a member someone else added.
 * Both hold a `RunRef` as JSON, and both are written by compare-and-swap only (create if absent, or
 * replace the exact revision read), so two writers never both believe they own one.
 *
 * No lease. A lease lives only while some process keeps it alive, and a Temporal run outlives every
 * process: its worker may be restarted or down for hours, and a run may wait days for an approval
 * (strategy.approvalTimeout, up to 30 d) with no activity running at all. A lease short enough to free
 * an abandoned key soon would expire under a live run in any of those, and a second run would scale
 * the cluster beside it: the one thing the lock is there to prevent. One long enough to cover the
 * longest run frees nothing useful. Instead a record names its run, and whether that run is alive is
 * asked of Temporal, which knows for certain: a record whose run is closed is taken over (by
 * compare-and-swap), one whose run is open refuses, and one Temporal does not know, or a value this
 * version cannot read, is left for the operator with the key, its revisions and the etcdctl commands.
 */
import { Context } from '@temporalio/activity';
import type { Etcd3 } from 'etcd3';

export interface RunRef {
  workflowId: string;
  runId: string;
}

export const LOCK_KEY = '/etcd-scaleout/lock';
export const INTENT_PREFIX = '/etcd-scaleout/intent/';
export const intentKey = (peerURL: string): string =>
  `${INTENT_PREFIX}${encodeURIComponent(peerURL)}`;

export const sameRun = (a: RunRef, b: RunRef): boolean =>
  a.workflowId === b.workflowId && a.runId === b.runId;
export const describeRun = (r: RunRef): string =>
  `workflow ${r.workflowId} (run ${r.runId})`;

/** A record's RunRef and the rest it carries, or undefined when the value is not one. */
export function parseRunRecord<T extends RunRef>(
  value: string | null | undefined,
): T | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value);
    return typeof v?.workflowId === 'string' && typeof v?.runId === 'string'
      ? (v as T)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The run an activity works for. */
export type CurrentRun = () => RunRef;

/** The activity's own run, from Temporal's activity context. */
export const activityRun: CurrentRun = () => {
  const run = Context.current().info.workflowExecution;
  if (!run)
    throw new Error('an activity that records its run must run for a workflow');
  return { workflowId: run.workflowId, runId: run.runId };
};

/** A record as etcd keeps it: its text and the revisions a compare-and-swap and an operator need. */
export interface StoredRecord {
  key: string;
  value: string;
  createRevision: string;
  modRevision: string;
  version: string;
}

/** The record at `key`, or undefined when there is none. */
export async function readRecord(
  c: Etcd3,
  key: string,
): Promise<StoredRecord | undefined> {
  const kv = (await c.get(key).exec()).kvs[0];
  return kv
    ? {
        key,
        value: kv.value.toString(),
        createRevision: kv.create_revision,
        modRevision: kv.mod_revision,
        version: kv.version,
      }
    : undefined;
}

/** What an operator needs about a record no run can read or take over: where it is, since when, how to look. */
export function recordForOperator(
  r: Pick<StoredRecord, 'key'> &
    Partial<Pick<StoredRecord, 'createRevision' | 'modRevision' | 'version'>>,
): string {
  const revisions =
    r.createRevision !== undefined
      ? ` (create revision ${r.createRevision}, mod revision ${r.modRevision}, version ${r.version})`
      : '';
  return `${r.key}${revisions}: inspect it with \`etcdctl get ${r.key} -w json\`; if no scale-out is running, delete it with \`etcdctl del ${r.key}\``;
}

/** Why a record that names no run (another tool's value, a corrupt one) refuses every run. */
export const unreadableRecord = (
  r: Pick<StoredRecord, 'key'> &
    Partial<Pick<StoredRecord, 'createRevision' | 'modRevision' | 'version'>>,
  what: string,
): string =>
  `${what}: ${r.key} holds a value this version cannot read (not a record naming a workflow run), so nothing says who wrote it and no run takes it over; ${recordForOperator(r)}`;
