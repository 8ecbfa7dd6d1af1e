/**
 * Membership changes: add a learner, remove a member. Both are idempotent: members are found by peer
 * URL, so a retry after a lost answer sees what the first attempt did.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import { initialClusterString, type MemberInfo } from '../../domain/planning';
import type { CheckpointHook } from '../checkpoints';
import type { ClusterRef, EtcdClients } from './client';
import { classifyEtcdError, errorText, expectedWait } from './errors';
import { describeMember, unhealthyVoters, type ClusterReader } from './inspect';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Re-adds that drew a removed member's ID, tried again each next second, before giving up. */
const MAX_ID_COLLISIONS = 3;

export interface AddedLearner {
  id: string;
  initialCluster: string;
  alreadyPresent: boolean;
  idCollisions: number;
}

export function createMembershipActivities(deps: { clients: EtcdClients; reader: ClusterReader; checkpoint: CheckpointHook }) {
  const { clients, reader, checkpoint } = deps;

  /**
   * One `member add --learner`: undefined once added (also when etcd says an earlier attempt added
   * it), or etcd's text when the add drew a removed member's ID.
   */
  async function memberAdd(cluster: ClusterRef, member: { name: string; peerURL: string }): Promise<string | undefined> {
    try {
      await clients.withCluster(cluster, (c) => c.cluster.memberAdd({ peerURLs: [member.peerURL], isLearner: true }));
      checkpoint('addLearner:after-add'); // added, but the answer never reaches Temporal
      return undefined;
    } catch (err) {
      const text = errorText(err);
      switch (classifyEtcdError(err)) {
        case 'peer-url-exists':
          return undefined; // an earlier attempt, or this one's lost answer
        case 'member-not-found':
        case 'member-id-exists':
          return text; // nothing was added; the next second gives a new ID
        case 'too-many-learners':
          throw ApplicationFailure.nonRetryable(`cluster ${cluster.name} already has a learner; etcd allows one at a time`, ErrorType.LearnerPresent);
        case 'unhealthy-cluster':
          throw expectedWait(`etcd refused to add ${member.name}: unhealthy cluster (a voter is down or restarted in the last 5 s)`, ErrorType.ClusterUnhealthy);
        default:
          throw ApplicationFailure.retryable(`member add ${member.peerURL} failed: ${text}`, ErrorType.EtcdRequestFailed);
      }
    }
  }

  return {
    /**
     * Adds the member as a learner, or finds it if an earlier attempt already did. Returns the member
     * ID and ETCD_INITIAL_CLUSTER built from the member list after the add.
     */
    async addLearner(cluster: ClusterRef, member: { name: string; peerURL: string }, knownNames: Record<string, string>): Promise<AddedLearner> {
      let idCollisions = 0;
      const result = (members: MemberInfo[], alreadyPresent: boolean): AddedLearner => {
        const m = members.find((x) => x.peerURLs.includes(member.peerURL))!;
        return { id: m.id, initialCluster: initialClusterString(members, member, knownNames), alreadyPresent, idCollisions };
      };
      checkpoint('addLearner:before');
      const before = await reader.findByPeer(cluster, member.peerURL);
      if (before.member) return result(before.members, true);
      // Never add while a voter is down: the added learner would not hurt quorum, but its promotion would.
      const down = unhealthyVoters(await reader.inspect(cluster));
      if (down.length) {
        throw ApplicationFailure.retryable(`cluster ${cluster.name} is unhealthy, not adding ${member.name}: ${down.map(describeMember).join('; ')}`, ErrorType.ClusterUnhealthy);
      }
      for (let collision = await memberAdd(cluster, member); collision !== undefined; collision = await memberAdd(cluster, member)) {
        if (++idCollisions > MAX_ID_COLLISIONS) throw ApplicationFailure.retryable(`member ID collision adding ${member.peerURL} ${idCollisions} times: ${collision}`, ErrorType.MemberIdCollision);
        await sleep(1_100);
      }
      const after = await reader.findByPeer(cluster, member.peerURL);
      if (!after.member) throw ApplicationFailure.retryable(`member add ${member.peerURL} answered but the member is not listed`, ErrorType.EtcdRequestFailed);
      return result(after.members, false);
    },

    /** Removes the member with this peer URL; absent already counts as done. */
    async removeMember(cluster: ClusterRef, peerURL: string): Promise<{ removed: boolean; id?: string }> {
      checkpoint('removeMember:before');
      const { member } = await reader.findByPeer(cluster, peerURL);
      if (!member) return { removed: false };
      try {
        await clients.withCluster(cluster, (c) => c.cluster.memberRemove({ ID: member.id }));
      } catch (err) {
        if (classifyEtcdError(err) === 'member-not-found') return { removed: false, id: member.id };
        throw ApplicationFailure.retryable(`member remove ${member.id} (${peerURL}) failed: ${errorText(err)}`, ErrorType.EtcdRequestFailed);
      }
      return { removed: true, id: member.id };
    },
  };
}
