/**
 * A learner's catch-up and its promotion. Both wait inside the activity until an absolute deadline
 * (epoch ms, computed in the workflow), so retries and new workers keep the same deadline.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import type { CheckpointHook } from '../checkpoints';
import { beat, note } from '../liveness';
import type { ClusterRef, EtcdClients } from './client';
import { classifyEtcdError, errorText } from './errors';
import type { ClusterReader } from './inspect';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 500;

export function createCatchUpActivities(deps: { clients: EtcdClients; reader: ClusterReader; checkpoint: CheckpointHook }) {
  const { clients, reader, checkpoint } = deps;

  const noLongerMember = (member: { name: string; peerURL: string }) =>
    ApplicationFailure.nonRetryable(`${member.name} (${member.peerURL}) is no longer a member`, ErrorType.MemberMissing);

  return {
    /** Waits until the learner's applied index reaches the leader's raft index, asked of each alone. */
    async waitForCatchUp(cluster: ClusterRef, member: { name: string; peerURL: string; clientURL: string }, deadline: number): Promise<{ appliedIndex: string; leaderIndex: string; polls: number }> {
      let polls = 0;
      let last = 'no answer yet';
      for (;;) {
        polls++;
        try {
          const { member: m } = await reader.findByPeer(cluster, member.peerURL);
          if (!m) throw noLongerMember(member);
          const leader = await reader.leaderStatus(cluster);
          const learner = await clients.withMember(cluster, member.clientURL, (c) => c.maintenance.status());
          const applied = BigInt(learner.raftAppliedIndex);
          const target = BigInt(leader.raftIndex!);
          last = `applied ${applied} of leader's ${target}`;
          beat({ applied: String(applied), leader: String(target) });
          checkpoint('waitForCatchUp:polling');
          if (!m.isLearner || applied >= target) return { appliedIndex: String(applied), leaderIndex: String(target), polls };
        } catch (err) {
          if (err instanceof ApplicationFailure) throw err;
          last = errorText(err); // the learner is still starting: ask again
          beat({ error: last });
        }
        if (Date.now() > deadline) {
          throw ApplicationFailure.nonRetryable(`learner ${member.name} did not catch up before the deadline (${new Date(deadline).toISOString()}): ${last}`, ErrorType.CatchUpTimeout);
        }
        await sleep(POLL_MS);
      }
    },

    /** Promotes the learner; waits out etcd's "not in sync" refusal until the deadline. A voter is left as it is. */
    async promoteMember(cluster: ClusterRef, member: { name: string; peerURL: string }, deadline: number): Promise<{ id: string; alreadyVoter: boolean; refusals: number }> {
      let refusals = 0;
      for (;;) {
        const { member: m } = await reader.findByPeer(cluster, member.peerURL);
        if (!m) throw noLongerMember(member);
        if (!m.isLearner) return { id: m.id, alreadyVoter: refusals === 0, refusals };
        try {
          await clients.withCluster(cluster, (c) => c.cluster.memberPromote({ ID: m.id }));
          checkpoint('promoteMember:after-promote');
          return { id: m.id, alreadyVoter: false, refusals };
        } catch (err) {
          const refusal = classifyEtcdError(err);
          if (refusal === 'not-a-learner') return { id: m.id, alreadyVoter: true, refusals };
          if (refusal !== 'learner-not-in-sync' && refusal !== 'unhealthy-cluster') {
            throw ApplicationFailure.retryable(`promote ${member.name} failed: ${errorText(err)}`, ErrorType.EtcdRequestFailed);
          }
          if (++refusals === 1) note(`waiting to promote ${member.name}: etcd says ${refusal === 'unhealthy-cluster' ? 'unhealthy cluster' : 'not yet in sync with the leader'}; asking again every ${POLL_MS} ms until ${new Date(deadline).toISOString()}`);
          beat({ refusals });
          if (Date.now() > deadline) throw ApplicationFailure.nonRetryable(`learner ${member.name} was refused promotion until the deadline: ${errorText(err)}`, ErrorType.PromoteTimeout);
          await sleep(POLL_MS);
        }
      }
    },
  };
}
