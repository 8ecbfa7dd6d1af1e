/**
 * The etcd adapter: membership and health through etcd's own API (etcd3).
 *
 * Every call opens short-lived clients. Status and promotion checks use a client with exactly one
 * host, because etcd3's per-host circuit breaker would otherwise turn one learner's refusal into
 * failures for unrelated calls (see shared/etcd-facts.md). Every activity is idempotent: members are
 * found by peer URL, so a retry after a lost answer sees what the first attempt did.
 */
import { readFile } from 'node:fs/promises';
import { Etcd3, type IOptions } from 'etcd3';
import { ApplicationFailure } from '@temporalio/common';
import { beat, killPoint } from '../liveness';
import { ErrorType } from '../../domain/errors';
import { initialClusterString, type MemberInfo } from '../../domain/planning';
import type { ScaleOutRequest } from '../../domain/request';

export type ClusterRef = ScaleOutRequest['cluster'];

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


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export type EtcdConnect = (hosts: string[], tls: ClusterRef['tls']) => Promise<Etcd3>;

/** The real connector: reads TLS files on the worker (paths only travel in the request). */
export function etcdConnector(callTimeoutMs = 5_000): EtcdConnect {
  return async (hosts, tls) => {
    const options: IOptions = {
      hosts,
      dialTimeout: callTimeoutMs,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    };
    if (hosts.some((h) => h.startsWith('https:'))) {
      const read = async (path: string, field: string) => {
        try {
          return await readFile(path);
        } catch (err) {
          throw ApplicationFailure.nonRetryable(`cannot read cluster.tls.${field} ${path} on the worker: ${(err as NodeJS.ErrnoException).code ?? message(err)}`, ErrorType.PreflightFailed);
        }
      };
      const t = tls ?? { caFile: '/etc/ssl/etcd/ssl/ca.pem' };
      options.credentials = {
        rootCertificate: await read(t.caFile, 'caFile'),
        ...(t.certFile && t.keyFile ? { certChain: await read(t.certFile, 'certFile'), privateKey: await read(t.keyFile, 'keyFile') } : {}),
      };
    }
    return new Etcd3(options);
  };
}

export function createEtcdActivities(deps: { connect: EtcdConnect }) {
  const connect = deps.connect;

  async function withClient<T>(hosts: string[], tls: ClusterRef['tls'], fn: (client: Etcd3) => Promise<T>): Promise<T> {
    const client = await connect(hosts, tls);
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }

  const toInfo = (m: { ID: string; name: string; peerURLs: string[]; clientURLs: string[]; isLearner: boolean }): MemberInfo => ({
    id: m.ID,
    name: m.name,
    peerURLs: m.peerURLs,
    clientURLs: m.clientURLs,
    isLearner: !!m.isLearner,
  });

  async function listMembers(cluster: ClusterRef): Promise<{ clusterId: string; members: MemberInfo[] }> {
    try {
      return await withClient(cluster.endpoints, cluster.tls, async (c) => {
        const res = await c.cluster.memberList({});
        return { clusterId: res.header.cluster_id, members: res.members.map(toInfo) };
      });
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      throw ApplicationFailure.retryable(`cluster ${cluster.name}: member list failed through ${cluster.endpoints.join(',')}: ${message(err)}`, ErrorType.ClusterUnhealthy);
    }
  }

  async function memberStatus(cluster: ClusterRef, m: MemberInfo): Promise<MemberStatus> {
    if (!m.name || m.clientURLs.length === 0) return { ...m, healthy: false, error: 'unstarted: added to the cluster but never started' };
    try {
      const s = await withClient([m.clientURLs[0]], cluster.tls, (c) => c.maintenance.status());
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
    } catch (err) {
      return { ...m, healthy: false, error: message(err) };
    }
  }

  async function inspect(cluster: ClusterRef): Promise<ClusterState> {
    const { clusterId, members } = await listMembers(cluster);
    const statuses = await Promise.all(members.map((m) => memberStatus(cluster, m)));
    let alarms: string[] = [];
    try {
      alarms = await withClient(cluster.endpoints, cluster.tls, async (c) => {
        const res = await c.maintenance.alarm({ action: 'Get', memberID: 0, alarm: 'None' });
        return (res.alarms ?? []).map((a) => `${a.alarm} on member ${a.memberID}`);
      });
    } catch (err) {
      alarms = [`alarm list failed: ${message(err)}`];
    }
    const leaders = new Set(statuses.filter((s) => s.healthy).map((s) => s.leader));
    return {
      clusterId,
      leaderId: leaders.size === 1 ? [...leaders][0] : undefined,
      version: statuses.find((s) => s.version)?.version,
      members: statuses,
      alarms,
    };
  }

  const unhealthyVoters = (state: ClusterState) => state.members.filter((m) => !m.isLearner && !m.healthy);

  async function findByPeer(cluster: ClusterRef, peerURL: string): Promise<{ member?: MemberInfo; members: MemberInfo[] }> {
    const { members } = await listMembers(cluster);
    return { member: members.find((m) => m.peerURLs.includes(peerURL)), members };
  }

  /**
   * The leader's status, asked of the leader itself. Only voters are asked (a learner is never the
   * leader): a learner that hangs would otherwise cost a whole call timeout here on top of the call
   * that asks it directly, and stretch every catch-up poll (and the deadline) by as much.
   */
  async function leaderStatus(cluster: ClusterRef): Promise<MemberStatus> {
    const { members } = await listMembers(cluster);
    const voters = await Promise.all(members.filter((m) => !m.isLearner).map((m) => memberStatus(cluster, m)));
    const leaders = new Set(voters.filter((s) => s.healthy).map((s) => s.leader));
    const leader = leaders.size === 1 ? voters.find((m) => m.id === [...leaders][0]) : undefined;
    if (!leader || !leader.healthy) throw new Error(`no healthy leader (${voters.map((m) => `${m.name || m.id}: ${m.healthy ? 'ok' : m.error}`).join(', ')})`);
    return leader;
  }

  return {
    /** Members, per-member health (status asked of each member), leader, version and alarms. */
    async inspectCluster(cluster: ClusterRef): Promise<ClusterState> {
      return inspect(cluster);
    },

    /**
     * Adds the member as a learner, or finds it if an earlier attempt already did. Returns the member
     * ID and ETCD_INITIAL_CLUSTER built from the member list after the add.
     */
    async addLearner(cluster: ClusterRef, member: { name: string; peerURL: string }, knownNames: Record<string, string>): Promise<{ id: string; initialCluster: string; alreadyPresent: boolean; idCollisions: number }> {
      let idCollisions = 0;
      const result = (members: MemberInfo[], alreadyPresent: boolean) => {
        const m = members.find((x) => x.peerURLs.includes(member.peerURL))!;
        return { id: m.id, initialCluster: initialClusterString(members, member, knownNames), alreadyPresent, idCollisions };
      };
      killPoint('addLearner:before');
      const before = await findByPeer(cluster, member.peerURL);
      if (before.member) return result(before.members, true);
      // Never add while a voter is down: the added learner would not hurt quorum, but its promotion would.
      const state = await inspect(cluster);
      const down = unhealthyVoters(state);
      if (down.length) {
        throw ApplicationFailure.retryable(`cluster ${cluster.name} is unhealthy, not adding ${member.name}: ${down.map((m) => `${m.name || m.id}: ${m.error}`).join('; ')}`, ErrorType.ClusterUnhealthy);
      }
      for (;;) {
        try {
          await withClient(cluster.endpoints, cluster.tls, (c) => c.cluster.memberAdd({ peerURLs: [member.peerURL], isLearner: true }));
          killPoint('addLearner:after-add'); // added, but the answer never reaches Temporal
          break;
        } catch (err) {
          const text = message(err);
          if (/Peer URLs already exists/i.test(text)) {
            // The add happened (an earlier attempt, or this one's answer was lost).
            break;
          } else if (/member ID already exist|member not found/i.test(text)) {
            // Member ID = hash(peer URLs, unix second): re-adding a peer URL removed within the same second
            // gets the removed member's ID, refused as "member not found" (etcd's ErrIDRemoved) or "member ID
            // already exist". Nothing was added; the next second gives a new ID, so wait and add again.
            if (++idCollisions > 3) throw ApplicationFailure.retryable(`member ID collision adding ${member.peerURL} ${idCollisions} times: ${text}`, ErrorType.MemberIdCollision);
            await sleep(1_100);
            continue;
          } else if (/too many learner members/i.test(text)) {
            throw ApplicationFailure.nonRetryable(`cluster ${cluster.name} already has a learner; etcd allows one at a time`, ErrorType.LearnerPresent);
          } else if (/unhealthy cluster/i.test(text)) {
            throw ApplicationFailure.retryable(`etcd refused to add ${member.name}: unhealthy cluster (a voter is down or restarted in the last 5 s)`, ErrorType.ClusterUnhealthy);
          } else {
            throw ApplicationFailure.retryable(`member add ${member.peerURL} failed: ${text}`, ErrorType.ClusterUnhealthy);
          }
        }
      }
      const after = await findByPeer(cluster, member.peerURL);
      if (!after.member) throw ApplicationFailure.retryable(`member add ${member.peerURL} answered but the member is not listed`, ErrorType.ClusterUnhealthy);
      return result(after.members, false);
    },

    /**
     * Waits until the learner's applied index reaches the leader's raft index, asked of each alone.
     * `deadline` is absolute (epoch ms, from workflow time), so retries and new workers keep it.
     */
    async waitForCatchUp(cluster: ClusterRef, member: { name: string; peerURL: string; clientURL: string }, deadline: number): Promise<{ appliedIndex: string; leaderIndex: string; polls: number }> {
      let polls = 0;
      let last = 'no answer yet';
      for (;;) {
        polls++;
        try {
          const { member: m } = await findByPeer(cluster, member.peerURL);
          if (!m) throw ApplicationFailure.nonRetryable(`${member.name} (${member.peerURL}) is no longer a member`, ErrorType.MemberMissing);
          const leader = await leaderStatus(cluster);
          const learner = await withClient([member.clientURL], cluster.tls, (c) => c.maintenance.status());
          const applied = BigInt(learner.raftAppliedIndex);
          const target = BigInt(leader.raftIndex!);
          last = `applied ${applied} of leader's ${target}`;
          beat({ applied: String(applied), leader: String(target) });
          killPoint('waitForCatchUp:polling');
          if (!m.isLearner || applied >= target) return { appliedIndex: String(applied), leaderIndex: String(target), polls };
        } catch (err) {
          if (err instanceof ApplicationFailure) throw err;
          last = message(err);
          beat({ error: last });
        }
        if (Date.now() > deadline) {
          throw ApplicationFailure.nonRetryable(`learner ${member.name} did not catch up before the deadline (${new Date(deadline).toISOString()}): ${last}`, ErrorType.CatchUpTimeout);
        }
        await sleep(500);
      }
    },

    /** Promotes the learner; retries etcd's "not in sync" refusal until the deadline. A voter is left as it is. */
    async promoteMember(cluster: ClusterRef, member: { name: string; peerURL: string }, deadline: number): Promise<{ id: string; alreadyVoter: boolean; refusals: number }> {
      let refusals = 0;
      for (;;) {
        const { member: m } = await findByPeer(cluster, member.peerURL);
        if (!m) throw ApplicationFailure.nonRetryable(`${member.name} (${member.peerURL}) is no longer a member`, ErrorType.MemberMissing);
        if (!m.isLearner) return { id: m.id, alreadyVoter: refusals === 0, refusals };
        try {
          await withClient(cluster.endpoints, cluster.tls, (c) => c.cluster.memberPromote({ ID: m.id }));
          killPoint('promoteMember:after-promote');
          return { id: m.id, alreadyVoter: false, refusals };
        } catch (err) {
          const text = message(err);
          if (/can only promote a learner member which is in sync/i.test(text) || /unhealthy cluster/i.test(text)) {
            refusals++;
            beat({ refusals });
            if (Date.now() > deadline) throw ApplicationFailure.nonRetryable(`learner ${member.name} was refused promotion until the deadline: ${text}`, ErrorType.PromoteTimeout);
            await sleep(500);
          } else if (/can only promote a learner member/i.test(text)) {
            return { id: m.id, alreadyVoter: true, refusals };
          } else {
            throw ApplicationFailure.retryable(`promote ${member.name} failed: ${text}`, ErrorType.ClusterUnhealthy);
          }
        }
      }
    },

    /**
     * All members healthy voters with one leader, the expected count, no duplicate peer URL, and a
     * write plus linearizable read through `through` (the new member's client URL).
     */
    async verifyCluster(cluster: ClusterRef, expect: { voters: number; through?: string; probeKey: string }): Promise<{ members: MemberStatus[]; leaderId: string }> {
      const state = await inspect(cluster);
      const problems: string[] = [];
      const learners = state.members.filter((m) => m.isLearner);
      if (learners.length) problems.push(`learner(s) present: ${learners.map((m) => m.name || m.id).join(', ')}`);
      if (state.members.length !== expect.voters) problems.push(`${state.members.length} members, expected ${expect.voters}`);
      const peers = state.members.flatMap((m) => m.peerURLs);
      if (new Set(peers).size !== peers.length) problems.push('duplicate peer URLs');
      for (const m of state.members) if (!m.healthy) problems.push(`${m.name || m.id}: ${m.error}`);
      if (!state.leaderId) problems.push('members disagree on the leader or have none');
      if (state.alarms.length) problems.push(`alarms: ${state.alarms.join(', ')}`);
      if (!problems.length && expect.through) {
        try {
          await withClient([expect.through], cluster.tls, async (c) => {
            const value = `${Date.now()}`;
            await c.put(expect.probeKey).value(value);
            killPoint('verifyCluster:after-write');
            const read = await c.get(expect.probeKey).string(); // linearizable by default
            await c.delete().key(expect.probeKey);
            if (read !== value) problems.push(`read through ${expect.through} returned ${read}, wrote ${value}`);
          });
        } catch (err) {
          problems.push(`write/read through ${expect.through} failed: ${message(err)}`);
        }
      }
      if (problems.length) throw ApplicationFailure.retryable(`cluster ${cluster.name} not verified: ${problems.join('; ')}`, ErrorType.VerifyFailed);
      return { members: state.members, leaderId: state.leaderId! };
    },

    /** Removes the member with this peer URL; absent already counts as done. */
    async removeMember(cluster: ClusterRef, peerURL: string): Promise<{ removed: boolean; id?: string }> {
      killPoint('removeMember:before');
      const { member } = await findByPeer(cluster, peerURL);
      if (!member) return { removed: false };
      try {
        await withClient(cluster.endpoints, cluster.tls, (c) => c.cluster.memberRemove({ ID: member.id }));
      } catch (err) {
        if (/member not found/i.test(message(err))) return { removed: false, id: member.id };
        throw ApplicationFailure.retryable(`member remove ${member.id} (${peerURL}) failed: ${message(err)}`, ErrorType.ClusterUnhealthy);
      }
      return { removed: true, id: member.id };
    },
  };
}

export type EtcdActivities = ReturnType<typeof createEtcdActivities>;
