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
import { LOCK_KEY } from './runRecords';

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

/**
 * The key the linearizable read of `listMembersNow` reads (keys only): one this tool reads anyway (its
 * lock), so a cluster with etcd auth needs no permission beyond what the tool has.
 */
const READ_BARRIER_KEY = LOCK_KEY;

/**
 * The member list as of now, for the membership decisions around an add or a remove: read through
 * one member, after a linearizable read on that same member.
 *
 * Why: a plain member list comes from whichever member the client picks, as far as that member has
 * applied the log. Right after a `member add` or `member remove` answered by another member it may not
 * show the change yet (seen on a loaded server: "member add ... answered but the member is not listed",
 * the scale-in before it having removed the same peer URL; the retry 0.9 s later found it).
 *
 * Why this is enough: a linearizable range makes the member ask the leader for its commit index
 * (ReadIndex) and wait until it has applied the log up to that index before it answers. A membership
 * change is committed before its call answers, and a leader's commit index never goes back (a new
 * leader serves ReadIndex only once it has committed an entry of its own term, after every earlier
 * one), so once the range answers, that member has applied the change. Its member list, read next on
 * the same connection, comes from the same applied state, which only moves forward. Any voter does,
 * not only the one that answered the change: ReadIndex goes through the leader whoever is asked.
 *
 * Versions: etcd 3.5+ does the same by itself for `MemberListRequest.linearizable`, sent as well (the
 * etcd3 client's bundled rpc.proto has the field). etcd 3.4 has no such field: it skips it as an
 * unknown field and answers from the applied state of the member asked, which the range before it has
 * brought up to date. So one path for every version, and no status call to learn the version first.
 * A learner refuses linearizable reads, and a member cut off from the leader cannot answer one: the
 * next endpoint is tried, each alone.
 */
async function listMembersNow(
  clients: EtcdClients,
  cluster: ClusterRef,
): Promise<{ clusterId: string; members: MemberInfo[] }> {
  const failures: string[] = [];
  for (const endpoint of cluster.endpoints) {
    try {
      return await clients.withMember(cluster, endpoint, async (c) => {
        await c.get(READ_BARRIER_KEY).exists(); // linearizable: the default
        const res = await c.cluster.memberList({ linearizable: true });
        return {
          clusterId: res.header.cluster_id,
          members: res.members.map(toInfo),
        };
      });
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err; // unreadable TLS files
      failures.push(`${endpoint}: ${errorText(err)}`);
    }
  }
  throw ApplicationFailure.retryable(
    `cluster ${cluster.name}: no member answered a linearizable member list (${failures.join('; ')})`,
    ErrorType.EtcdRequestFailed,
  );
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

/** How `inspect` reads the member list: `linearizable` after a change (listMembersNow), else as the member asked has it. */
export interface InspectRead {
  linearizable?: boolean;
}

/**
 * Members, per-member health (status asked of each member), leader, version and alarms. The list is
 * the member's own unless `read.linearizable`: a cluster without quorum can still be inspected.
 */
async function inspect(
  clients: EtcdClients,
  cluster: ClusterRef,
  read: InspectRead = {},
): Promise<ClusterState> {
  const { clusterId, members } = await (read.linearizable
    ? listMembersNow
    : listMembers)(clients, cluster);
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

/** The member with this peer URL, from the list as of now (listMembersNow): every add and remove decides on it. */
async function findByPeer(
  clients: EtcdClients,
  cluster: ClusterRef,
  peerURL: string,
): Promise<{ member?: MemberInfo; members: MemberInfo[] }> {
  const { members } = await listMembersNow(clients, cluster);
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
    listMembersNow: (cluster: ClusterRef) => listMembersNow(clients, cluster),
    memberStatus: (cluster: ClusterRef, m: MemberInfo) =>
      memberStatus(clients, cluster, m),
    inspect: (cluster: ClusterRef, read?: InspectRead) =>
      inspect(clients, cluster, read),
    findByPeer: (cluster: ClusterRef, peerURL: string) =>
      findByPeer(clients, cluster, peerURL),
    leaderStatus: (cluster: ClusterRef) => leaderStatus(clients, cluster),
  };
}

export type ClusterReader = ReturnType<typeof createClusterReader>;
