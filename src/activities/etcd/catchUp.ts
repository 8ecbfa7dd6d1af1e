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
/** A poll costs one round trip to each member asked; promotion is then at most this late. */
const POLL_MS = 100;

/**
 * etcd promotes a learner whose raft match index is at least 90 % of the leader's (isLearnerReady,
 * every version from 3.4 to 3.7). A learner's status shows its commit index, which never exceeds
 * its match index, and the leader's status its commit index: the learner's log at 90 % of that is
 * what etcd checks, seen from outside. Applied entries are not required (see the doc for why that is safe).
 */
export function promotable(p: { log: bigint; leader: bigint }): boolean {
  return p.log * 10n >= p.leader * 9n && p.log > 0n;
}

interface CatchUpDeps {
  clients: EtcdClients;
  reader: ClusterReader;
  checkpoint: CheckpointHook;
}

const noLongerMember = (member: { name: string; peerURL: string }) =>
  ApplicationFailure.nonRetryable(
    `${member.name} (${member.peerURL}) is no longer a member`,
    ErrorType.MemberMissing,
  );

/**
 * Waits until etcd would accept the learner's promotion: its log holds at least PROMOTABLE of the
 * leader's (etcd's own rule, docs/etcd-behaviour.md "When a learner is caught up"). The learner,
 * the leader and the member list are asked at once, each member alone, every POLL_MS.
 */
async function waitForCatchUp(
  deps: CatchUpDeps,
  cluster: ClusterRef,
  member: { name: string; peerURL: string; clientURL: string },
  deadline: number,
): Promise<{
  appliedIndex: string;
  leaderIndex: string;
  polls: number;
  logIndex?: string;
}> {
  const { clients, reader, checkpoint } = deps;
  let polls = 0;
  let last = 'no answer yet';
  for (;;) {
    polls++;
    try {
      const [{ member: m }, leader, learner] = await Promise.all([
        reader.findByPeer(cluster, member.peerURL),
        reader.leaderStatus(cluster),
        clients.withMember(cluster, member.clientURL, (c) =>
          c.maintenance.status(),
        ),
      ]);
      if (!m) throw noLongerMember(member);
      const progress = {
        log: BigInt(learner.raftIndex),
        applied: BigInt(learner.raftAppliedIndex),
        leader: BigInt(leader.raftIndex ?? 0),
      };
      last = `log at ${progress.log}, applied ${progress.applied}, leader's ${progress.leader}`;
      beat({
        log: String(progress.log),
        applied: String(progress.applied),
        leader: String(progress.leader),
      });
      checkpoint('waitForCatchUp:polling');
      if (!m.isLearner || promotable(progress))
        return {
          appliedIndex: String(progress.applied),
          leaderIndex: String(progress.leader),
          logIndex: String(progress.log),
          polls,
        };
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      last = errorText(err); // the learner is still starting: ask again
      beat({ error: last });
    }
    if (Date.now() > deadline) {
      throw ApplicationFailure.nonRetryable(
        `learner ${member.name} did not catch up before the deadline (${new Date(deadline).toISOString()}): ${last}`,
        ErrorType.CatchUpTimeout,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Promotes the learner; waits out etcd's "not in sync" refusal until the deadline. A voter is left as it is. */
async function promoteMember(
  deps: CatchUpDeps,
  cluster: ClusterRef,
  member: { name: string; peerURL: string },
  deadline: number,
): Promise<{ id: string; alreadyVoter: boolean; refusals: number }> {
  const { clients, reader, checkpoint } = deps;
  let refusals = 0;
  for (;;) {
    const { member: m } = await reader.findByPeer(cluster, member.peerURL);
    if (!m) throw noLongerMember(member);
    if (!m.isLearner)
      return { id: m.id, alreadyVoter: refusals === 0, refusals };
    try {
      await clients.withCluster(cluster, (c) =>
        c.cluster.memberPromote({ ID: m.id }),
      );
      checkpoint('promoteMember:after-promote');
      return { id: m.id, alreadyVoter: false, refusals };
    } catch (err) {
      const refusal = classifyEtcdError(err);
      if (refusal === 'not-a-learner')
        return { id: m.id, alreadyVoter: true, refusals };
      if (
        refusal !== 'learner-not-in-sync' &&
        refusal !== 'unhealthy-cluster'
      ) {
        throw ApplicationFailure.retryable(
          `promote ${member.name} failed: ${errorText(err)}`,
          ErrorType.EtcdRequestFailed,
        );
      }
      if (++refusals === 1)
        note(
          `waiting to promote ${member.name}: etcd says ${refusal === 'unhealthy-cluster' ? 'unhealthy cluster' : 'not yet in sync with the leader'}; asking again every ${POLL_MS} ms until ${new Date(deadline).toISOString()}`,
        );
      beat({ refusals });
      if (Date.now() > deadline)
        throw ApplicationFailure.nonRetryable(
          `learner ${member.name} was refused promotion until the deadline: ${errorText(err)}`,
          ErrorType.PromoteTimeout,
        );
      await sleep(POLL_MS);
    }
  }
}

export function createCatchUpActivities(deps: CatchUpDeps) {
  return {
    waitForCatchUp: (
      cluster: ClusterRef,
      member: { name: string; peerURL: string; clientURL: string },
      deadline: number,
    ) => waitForCatchUp(deps, cluster, member, deadline),
    promoteMember: (
      cluster: ClusterRef,
      member: { name: string; peerURL: string },
      deadline: number,
    ) => promoteMember(deps, cluster, member, deadline),
  };
}
