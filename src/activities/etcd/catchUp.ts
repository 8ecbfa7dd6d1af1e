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

/** What the catch-up came to: the learner promoted by it, or found a voter already (a retry, or an earlier run). */
export interface CaughtUp {
  id: string;
  /** Always true from this activity: the member is a voter when it returns. */
  promoted: true;
  alreadyVoter: boolean;
  /** How often etcd answered "not in sync with leader" (or "unhealthy cluster") first. */
  refusals: number;
  polls: number;
}

/**
 * Waits until etcd itself holds the learner caught up, by asking it to promote the learner every
 * POLL_MS: etcd accepts once the leader's raft match index for the learner is at least 90 % of its
 * own (isLearnerReady, 3.4 to 3.7) and refuses before with "can only promote a learner member which is
 * in sync with leader", which is "not yet". That is etcd's own rule, asked of the one who applies it.
 * Before, the wait read the learner's own status, which a learner answers only once it serves
 * clients, i.e. once it has applied what it was sent: on a large database the wait became "applied",
 * not "in sync" (docs/performance.md). The learner's health is checked afterwards by verifyCluster
 * (every member healthy, a write and a linearizable read through the new one).
 *
 * So the catch-up ends with the member a voter: one membership change, the promotion, made the moment
 * etcd allows it. "unhealthy cluster" (a voter down, or peer connections younger than 5 s) is also
 * waited out. At the deadline the learner is still a learner, and the run's undo removes it.
 */
async function waitForCatchUp(
  deps: CatchUpDeps,
  cluster: ClusterRef,
  member: { name: string; peerURL: string; clientURL: string },
  deadline: number,
): Promise<CaughtUp> {
  const { clients, reader, checkpoint } = deps;
  // The ID once: a retried attempt (or a voter already) is found by peer URL, as every step does.
  const { member: m } = await reader.findByPeer(cluster, member.peerURL);
  if (!m) throw noLongerMember(member);
  if (!m.isLearner)
    return {
      id: m.id,
      promoted: true,
      alreadyVoter: true,
      refusals: 0,
      polls: 0,
    };
  let refusals = 0;
  let polls = 0;
  let last = 'no answer yet';
  let lastRefusal: 'learner-not-in-sync' | 'unhealthy-cluster' | undefined;
  for (;;) {
    polls++;
    checkpoint('waitForCatchUp:polling');
    try {
      await clients.withCluster(cluster, (c) =>
        c.cluster.memberPromote({ ID: m.id }),
      );
      checkpoint('waitForCatchUp:after-promote');
      return { id: m.id, promoted: true, alreadyVoter: false, refusals, polls };
    } catch (err) {
      const refusal = classifyEtcdError(err);
      // A lost answer to an accepted promotion: the retry is told it is a voter already.
      if (refusal === 'not-a-learner')
        return {
          id: m.id,
          promoted: true,
          alreadyVoter: true,
          refusals,
          polls,
        };
      if (refusal === 'member-not-found') throw noLongerMember(member);
      last = errorText(err);
      if (
        refusal === 'learner-not-in-sync' ||
        refusal === 'unhealthy-cluster'
      ) {
        lastRefusal = refusal;
        if (++refusals === 1)
          note(
            `waiting for ${member.name} to catch up: etcd says ${refusal === 'unhealthy-cluster' ? 'unhealthy cluster' : 'not yet in sync with the leader'}; asking it to promote every ${POLL_MS} ms until ${new Date(deadline).toISOString()}`,
          );
        beat({ refusals });
      } else {
        // No answer (a member restarting, a network blip): ask again, within the same deadline.
        beat({ error: last });
      }
    }
    if (Date.now() > deadline)
      throw ApplicationFailure.nonRetryable(
        lastRefusal === 'unhealthy-cluster'
          ? `learner ${member.name} was refused promotion until the deadline (${new Date(deadline).toISOString()}): ${last}`
          : `learner ${member.name} did not catch up before the deadline (${new Date(deadline).toISOString()}): ${last}`,
        lastRefusal === 'unhealthy-cluster'
          ? ErrorType.PromoteTimeout
          : ErrorType.CatchUpTimeout,
      );
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
    ): Promise<CaughtUp> => waitForCatchUp(deps, cluster, member, deadline),
    promoteMember: (
      cluster: ClusterRef,
      member: { name: string; peerURL: string },
      deadline: number,
    ) => promoteMember(deps, cluster, member, deadline),
  };
}
