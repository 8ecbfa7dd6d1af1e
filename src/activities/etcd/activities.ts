/**
 * The etcd adapter: membership and health through etcd's own API (etcd3), one factory per concern,
 * composed here. Every activity is idempotent: members are found by peer URL, so a retry after a lost
 * answer sees what the first attempt did.
 */
import { noCheckpoint, type CheckpointHook } from '../checkpoints';
import { etcdClients, type ClusterRef, type EtcdConnect } from './client';
import { createCatchUpActivities } from './catchUp';
import { createClusterReader, type ClusterState } from './inspect';
import { createMembershipActivities } from './membership';
import { createVerifyActivities } from './verify';

export { etcdConnector, type ClusterRef, type EtcdConnect } from './client';
export type { ClusterState, MemberStatus } from './inspect';

export function createEtcdActivities(deps: { connect: EtcdConnect; checkpoint?: CheckpointHook }) {
  const clients = etcdClients(deps.connect);
  const reader = createClusterReader(clients);
  const parts = { clients, reader, checkpoint: deps.checkpoint ?? noCheckpoint };
  return {
    /** Members, per-member health (status asked of each member), leader, version and alarms. */
    async inspectCluster(cluster: ClusterRef): Promise<ClusterState> {
      return reader.inspect(cluster);
    },
    ...createMembershipActivities(parts),
    ...createCatchUpActivities(parts),
    ...createVerifyActivities(parts),
  };
}

export type EtcdActivities = ReturnType<typeof createEtcdActivities>;
