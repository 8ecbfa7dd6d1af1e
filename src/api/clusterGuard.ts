/**
 * One running membership change per cluster (see the choice below): a scale-out, a scale-in or a
 * replacement, whichever was asked first; and the check that finds it.
 */
import type { Client } from '@temporalio/client';
import {
  describeOrUndefined,
  runLabels,
  runsQuery,
  visibleRuns,
} from '../client';

/** How long the API remembers a run it started, to cover visibility lag (seconds on a busy server). */
const RECENT_MS = 5 * 60_000;

// Choice (documented here because it is the subtle part of the API):
//
// 1. Same ticket -> same workflow id (workflowIdFor), so Temporal itself makes a repeated POST
//    idempotent: a start of an id that is running fails with "already started" and we answer 200
//    with that run. That check is atomic on the server.
// 2. A different ticket for a cluster that is being scaled out must get 409. Temporal cannot enforce
//    that by id (the ids differ), and the visibility query `EtcdCluster = ".." AND ExecutionStatus =
//    "Running"` is eventually consistent: a run started a second ago may not be listed yet. So the
//    check has two parts:
//    a. visibility, which covers runs started by anyone (CLI, UI, other API processes) more than
//       the visibility lag ago;
//    b. a deterministic part: every run this process starts is remembered per cluster for
//       RECENT_MS (far beyond any visibility lag) and re-checked with DescribeWorkflowExecution,
//       which is strongly consistent; and check-then-start is serialised per cluster in this
//       process, so two concurrent POSTs cannot both pass the check.
//    We did not use a per-cluster lock workflow: it would need a second workflow type in the worker
//    and a way to release the lock when the scale-out ends however it ends; nor a lock key in the
//    target etcd, which the API (unlike the worker) has no credentials for.
//    What remains uncovered: two API processes started within the visibility lag of each other for
//    the same cluster. Run one API process per Temporal namespace (it is stateless otherwise); the
//    workflow's preflight then still refuses a cluster that already has a learner.
// 3. A run of the same ticket that COMPLETED is answered with 200 as well (the ticket's work is
//    done; a retried POST must not start it again). One that failed, was cancelled or terminated is
//    started afresh under the same id (reuse policy ALLOW_DUPLICATE_FAILED_ONLY, set at start): that is how an operator
//    retries a ticket after fixing the cause, and the conflict check above applies to it as well.

export class ClusterGuard {
  private readonly recent = new Map<string, Map<string, number>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  /** Runs `fn` with no other `fn` for the same cluster running in this process. */
  async exclusive<T>(cluster: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(cluster) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => undefined);
    this.locks.set(cluster, tail);
    try {
      return await mine;
    } finally {
      if (this.locks.get(cluster) === tail) this.locks.delete(cluster);
    }
  }

  remember(cluster: string, workflowId: string): void {
    const ids = this.recent.get(cluster) ?? new Map<string, number>();
    ids.set(workflowId, Date.now());
    this.recent.set(cluster, ids);
  }

  /** Runs this process started recently for the cluster (expired ones dropped). */
  recentIds(cluster: string): string[] {
    const ids = this.recent.get(cluster);
    if (!ids) return [];
    for (const [id, at] of ids) if (Date.now() - at > RECENT_MS) ids.delete(id);
    return [...ids.keys()];
  }

  forget(cluster: string, workflowId: string): void {
    this.recent.get(cluster)?.delete(workflowId);
  }
}

export interface RunningScaleOut {
  workflowId: string;
  runId: string;
  /** scaleOutEtcd, scaleInEtcd or replaceEtcdMember: each changes the cluster's membership. */
  workflowType: string;
  ticket: string | null;
}

/** A running run of this cluster (any membership type) other than `exceptId`, if there is one (see ClusterGuard). */
export async function findRunningScaleOut(
  client: Client,
  guard: ClusterGuard,
  cluster: string,
  exceptId: string,
): Promise<RunningScaleOut | undefined> {
  for (const id of guard.recentIds(cluster)) {
    if (id === exceptId) continue;
    const d = await describeOrUndefined(client, id);
    if (d?.status.name === 'RUNNING')
      return {
        workflowId: id,
        runId: d.runId,
        workflowType: d.type,
        ticket: runLabels(d.typedSearchAttributes).ticket ?? null,
      };
    guard.forget(cluster, id);
  }
  const query = runsQuery({ cluster, status: 'Running' });
  for await (const info of visibleRuns(client, query, 10)) {
    if (info.workflowId === exceptId) continue;
    // Visibility can also lag behind a close: confirm with a strongly consistent describe.
    const d = await describeOrUndefined(client, info.workflowId);
    if (d?.status.name === 'RUNNING')
      return {
        workflowId: info.workflowId,
        runId: d.runId,
        workflowType: d.type,
        ticket: runLabels(d.typedSearchAttributes).ticket ?? null,
      };
  }
  return undefined;
}
