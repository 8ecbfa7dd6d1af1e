/**
 * The etcd adapter: membership and health through etcd's own API (etcd3), one factory per concern,
 * composed here. Every activity is idempotent: members are found by peer URL, so a retry after a lost
 * answer sees what the first attempt did.
 */
import { type CheckpointHook, noCheckpoint } from '../checkpoints';
import { createCatchUpActivities } from './catchUp';
import { type ClusterRef, type EtcdConnect, etcdClients } from './client';
import {
  type ClusterState,
  createClusterReader,
  type InspectRead,
} from './inspect';
import {
  createLockActivities,
  type RunStatusReader,
  workerRunStatus,
} from './lock';
import { createMembershipActivities } from './membership';
import { createRemovalActivities } from './removal';
import { activityRun, type CurrentRun } from './runRecords';
import { createVerifyActivities } from './verify';

export { type ClusterRef, type EtcdConnect, etcdConnector } from './client';
export type { ClusterState, InspectRead, MemberStatus } from './inspect';

export interface EtcdDeps {
  connect: EtcdConnect;
  checkpoint?: CheckpointHook;
  /** The run an activity works for (default: its Temporal activity context). */
  currentRun?: CurrentRun;
  /** Whether a run is still open, for the scale-out lock and add intents (default: asked through the worker's Temporal client). */
  runStatus?: RunStatusReader;
}

export function createEtcdActivities(deps: EtcdDeps) {
  const clients = etcdClients(deps.connect);
  const reader = createClusterReader(clients);
  const currentRun = deps.currentRun ?? activityRun;
  const runStatus = deps.runStatus ?? workerRunStatus;
  const parts = {
    clients,
    reader,
    checkpoint: deps.checkpoint ?? noCheckpoint,
    currentRun,
    runStatus,
  };
  return {
    /**
     * Members, per-member health (status asked of each member), leader, version and alarms;
     * `read.linearizable` for a list that shows every change already answered (inspect.ts).
     */
    async inspectCluster(
      cluster: ClusterRef,
      read?: InspectRead,
    ): Promise<ClusterState> {
      return reader.inspect(cluster, read);
    },
    ...createMembershipActivities(parts),
    ...createRemovalActivities(parts),
    ...createLockActivities({ clients, currentRun, runStatus }),
    ...createCatchUpActivities(parts),
    ...createVerifyActivities(parts),
  };
}

export type EtcdActivities = ReturnType<typeof createEtcdActivities>;
