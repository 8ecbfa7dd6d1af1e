/**
 * One scale-out per cluster, and one new member per machine: the workflow's side of the lock kept in
 * etcd (src/activities/etcd/lock.ts) and of the new nodes' machine IDs. Preflight reports a lock held
 * by an open run and two new members on one machine; the lock is taken after preflight, before the
 * first change, and released at the end or after the rollback (never cancelled: a cancelled run must
 * still let the next one in).
 *
 * Runs started before this existed replay without these steps (`patched`).
 */
import {
  CancellationScope,
  isCancellation,
  patched,
} from '@temporalio/workflow';
import type {
  ClusterSettings,
  NewMember,
  ScaleOutRequest,
} from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { activitySummary, type Phase } from '../run/messages';
import { sshTarget } from '../run/sshTarget';

const PATCH = 'one-scaleout-per-cluster';

/** "newMembers etcd4 (10.0.0.14) and etcd5 (10.0.0.15) are one machine (...)", one line per shared machine. */
export function sharedMachineProblems(
  members: NewMember[],
  machineIds: Array<string | null | undefined>,
): string[] {
  const byId = new Map<string, NewMember[]>();
  members.forEach((m, i) => {
    const id = machineIds[i];
    if (id) byId.set(id, [...(byId.get(id) ?? []), m]);
  });
  return [...byId.entries()]
    .filter(([, ms]) => ms.length > 1)
    .map(
      ([id, ms]) =>
        `newMembers ${ms.map((m) => `${m.name} (${m.host})`).join(' and ')} are one machine (/etc/machine-id ${id}): members on one machine fail together; give each its own machine`,
    );
}

/**
 * Preflight's part: the lock's holder if an open run holds it, and new members that share a machine.
 * `probedIds`: the machine IDs the node probes read (one SSH command per host); without them (runs
 * that replay the older code) each host is asked by readMachineId.
 */
export async function clusterSafetyProblems(
  request: ScaleOutRequest,
  probedIds?: Promise<Array<string | null | undefined>>,
): Promise<string[]> {
  if (!patched(PATCH)) return [];
  const reads = activities(
    'read',
    request.strategy,
    activitySummary('preflight'),
  );
  const machineId = async (m: NewMember) => {
    try {
      return (await reads.readMachineId(sshTarget(request, m))).machineId;
    } catch (err) {
      if (isCancellation(err)) throw err;
      return undefined; // an unreachable node is reported by the node inspection already
    }
  };
  const [lock, ids] = await Promise.all([
    reads.readScaleOutLock(request.cluster),
    probedIds ?? Promise.all(request.newMembers.map(machineId)),
  ]);
  return [
    ...(lock.refusal ? [lock.refusal] : []),
    ...sharedMachineProblems(request.newMembers, ids),
  ];
}

export class ClusterLock {
  private attempted = false;

  constructor(private readonly request: ClusterSettings) {}

  /** Takes the lock (fails with ScaleOutLocked when an open run holds it). */
  async take(): Promise<void> {
    if (!patched(PATCH)) return;
    this.attempted = true;
    const { cluster, strategy, ticket } = this.request;
    await activities(
      'change',
      strategy,
      activitySummary('preflight'),
    ).acquireScaleOutLock(cluster, ticket?.id);
  }

  /** Releases it if this run may hold it; a release that fails is returned as a warning, never thrown. */
  async release(phase: Phase): Promise<string | undefined> {
    if (!this.attempted) return undefined;
    const { cluster, strategy } = this.request;
    return CancellationScope.nonCancellable(async () => {
      try {
        await activities(
          'compensate',
          strategy,
          activitySummary(phase),
        ).releaseScaleOutLock(cluster);
        return undefined;
      } catch (err) {
        return `the scale-out lock of ${cluster.name} was not released (${causeOf(err)}); the next run takes it over once this run is closed`;
      }
    });
  }
}
