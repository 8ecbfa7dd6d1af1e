/** The dry run's one read of the live cluster: its members with their health, through the etcd adapter. */
import {
  type ClusterState,
  createEtcdActivities,
  etcdConnector,
} from '../../activities/etcd/activities';
import type { ClusterSettings } from '../../domain/request/request';
import { CliError, EXIT } from '../errors';

/** The member list and each member's health; an unreachable cluster is exit 4, naming the endpoints. */
export async function readLiveCluster(
  cluster: ClusterSettings['cluster'],
): Promise<ClusterState> {
  try {
    return await createEtcdActivities({
      connect: etcdConnector(),
    }).inspectCluster(cluster);
  } catch (err) {
    throw new CliError(
      `cannot read the member list of cluster ${cluster.name} through ${cluster.endpoints.join(', ')}: ${(err as Error).message}`,
      EXIT.unreachable,
    );
  }
}

/** The live members as aligned lines: name, ID, role, health, the leader, peer URLs. */
export function memberLines(state: ClusterState): string[] {
  return state.members.map((m) => {
    const role = (m.isLearner ? 'learner' : 'voter').padEnd(7);
    const health = (m.healthy ? 'healthy' : `UNHEALTHY: ${m.error}`).padEnd(9);
    return `  ${(m.name || '(unstarted)').padEnd(12)} ${m.id.padEnd(20)} ${role} ${health}${m.id === state.leaderId ? ' leader' : ''}  ${m.peerURLs.join(',')}`;
  });
}
