/**
 * Reading the cluster: the member list, each member's status asked of that member alone, the leader
 * they agree on, alarms. Reads only; shared by every etcd activity.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { IStatusResponse } from 'etcd3';
import { ErrorType } from '../../domain/errors';
import type { MemberInfo } from '../../domain/planning';
import type { ClusterRef, EtcdClients } from './client';
import { errorText } from './errors';

export interface MemberStatus extends MemberInfo {
  healthy: boolean;
  error?: string;
  leader?: string;
  raftIndex?: string;
  raftAppliedIndex?: string;
  version?: string;
  dbSize?: string;
}

export interface ClusterState {
  clusterId: string;
  leaderId?: string;
  version?: string;
  members: MemberStatus[];
  alarms: string[];
}

const toInfo = (m: {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}): MemberInfo => ({
  id: m.ID,
  name: m.name,
  peerURLs: m.peerURLs,
  clientURLs: m.clientURLs,
  isLearner: !!m.isLearner,
});

/** The one leader the healthy members name, if they agree on one. */
const agreedLeader = (statuses: MemberStatus[]): string | undefined => {
  const leaders = new Set(
    statuses.filter((s) => s.healthy).map((s) => s.leader),
  );
  return leaders.size === 1 ? [...leaders][0] : undefined;
};

/** A member's status as it answered it: healthy if it reports no error and a leader. */
function statusOf(m: MemberInfo, s: IStatusResponse): MemberStatus {
  const problems = [...(s.errors ?? [])];
  if (!s.leader || s.leader === '0') problems.push('no leader');
  return {
    ...m,
    healthy: problems.length === 0,
    error: problems.length ? problems.join('; ') : undefined,
    leader: s.leader,
    raftIndex: s.raftIndex,
    raftAppliedIndex: s.raftAppliedIndex,
    version: s.version,
    dbSize: s.dbSize,
    isLearner: s.isLearner ?? m.isLearner,
  };
}

export const unhealthyVoters = (state: ClusterState): MemberStatus[] =>
  state.members.filter((m) => !m.isLearner && !m.healthy);

export const describeMember = (m: MemberStatus): string =>
  `${m.name || m.id}: ${m.healthy ? 'ok' : m.error}`;

async function listMembers(
  clients: EtcdClients,
  cluster: ClusterRef,
): Promise<{ clusterId: string; members: MemberInfo[] }> {
  try {
    return await clients.withCluster(cluster, async (c) => {
      const res = await c.cluster.memberList({});
      return {
        clusterId: res.header.cluster_id,
        members: res.members.map(toInfo),
      };
    });
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw ApplicationFailure.retryable(
      `cluster ${cluster.name}: member list failed through ${cluster.endpoints.join(',')}: ${errorText(err)}`,
      ErrorType.EtcdRequestFailed,
    );
  }
}

async function memberStatus(
  clients: EtcdClients,
  cluster: ClusterRef,
  m: MemberInfo,
): Promise<MemberStatus> {
  if (!m.name || m.clientURLs.length === 0)
    return {
      ...m,
      healthy: false,
      error: 'unstarted: added to the cluster but never started',
    };
  try {
    return statusOf(
      m,
      await clients.withMember(cluster, m.clientURLs[0], (c) =>
        c.maintenance.status(),
      ),
    );
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err; // unreadable TLS files: not a member's health
    return { ...m, healthy: false, error: errorText(err) };
  }
}

async function alarms(
  clients: EtcdClients,
  cluster: ClusterRef,
): Promise<string[]> {
  try {
    return await clients.withCluster(cluster, async (c) => {
      const res = await c.maintenance.alarm({
        action: 'Get',
        memberID: 0,
        alarm: 'None',
      });
      return (res.alarms ?? []).map(
        (a) => `${a.alarm} on member ${a.memberID}`,
      );
    });
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    return [`alarm list failed: ${errorText(err)}`];
  }
}

/** Members, per-member health (status asked of each member), leader, version and alarms. */
async function inspect(
  clients: EtcdClients,
  cluster: ClusterRef,
): Promise<ClusterState> {
  const { clusterId, members } = await listMembers(clients, cluster);
  const statuses = await Promise.all(
    members.map((m) => memberStatus(clients, cluster, m)),
  );
  return {
    clusterId,
    leaderId: agreedLeader(statuses),
    version: statuses.find((s) => s.version)?.version,
    members: statuses,
    alarms: await alarms(clients, cluster),
  };
}

async function findByPeer(
  clients: EtcdClients,
  cluster: ClusterRef,
  peerURL: string,
): Promise<{ member?: MemberInfo; members: MemberInfo[] }> {
  const { members } = await listMembers(clients, cluster);
  return {
    member: members.find((m) => m.peerURLs.includes(peerURL)),
    members,
  };
}

/**
 * The leader's status, asked of the leader itself. Only voters are asked (a learner is never the
 * leader): a learner that hangs would otherwise cost a whole call timeout here on top of the call
 * that asks it directly, and stretch every catch-up poll (and the deadline) by as much.
 */
async function leaderStatus(
  clients: EtcdClients,
  cluster: ClusterRef,
): Promise<MemberStatus> {
  const { members } = await listMembers(clients, cluster);
  const voters = await Promise.all(
    members
      .filter((m) => !m.isLearner)
      .map((m) => memberStatus(clients, cluster, m)),
  );
  const leaderId = agreedLeader(voters);
  const leader = leaderId ? voters.find((m) => m.id === leaderId) : undefined;
  if (!leader?.healthy)
    throw new Error(
      `no healthy leader (${voters.map(describeMember).join(', ')})`,
    );
  return leader;
}

export function createClusterReader(clients: EtcdClients) {
  return {
    listMembers: (cluster: ClusterRef) => listMembers(clients, cluster),
    memberStatus: (cluster: ClusterRef, m: MemberInfo) =>
      memberStatus(clients, cluster, m),
    inspect: (cluster: ClusterRef) => inspect(clients, cluster),
    findByPeer: (cluster: ClusterRef, peerURL: string) =>
      findByPeer(clients, cluster, peerURL),
    leaderStatus: (cluster: ClusterRef) => leaderStatus(clients, cluster),
  };
}

export type ClusterReader = ReturnType<typeof createClusterReader>;
