/**
 * Membership changes: add a learner, remove a member. Both are idempotent: members are found by peer
 * URL, so a retry after a lost answer sees what the first attempt did, and the add intent
 * (addIntent.ts) says whether a member found is this run's.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import {
  initialClusterString,
  type MemberInfo,
  orderedMembers,
} from '../../domain/planning';
import type { CheckpointHook } from '../checkpoints';
import { pause } from '../liveness';
import {
  advanceIntent,
  claimIntent,
  dropOwnIntent,
  type IntentDeps,
  intentOwnsMember,
  readIntent,
} from './addIntent';
import type { ClusterRef } from './client';
import {
  classifyEtcdError,
  errorText,
  etcdFailure,
  expectedWait,
  giveUpAfter,
  isExpectedWait,
} from './errors';
import { type ClusterReader, describeMember, unhealthyVoters } from './inspect';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Re-adds that drew a removed member's ID, tried again each next second, before giving up. */
const MAX_ID_COLLISIONS = 3;

export interface AddedLearner {
  id: string;
  initialCluster: string;
  alreadyPresent: boolean;
  idCollisions: number;
}

/** etcdctl's spelling of a member ID (hex), for what an operator types by hand. */
export const memberIdHex = (id: string): string => BigInt(id).toString(16);

interface MembershipDeps extends IntentDeps {
  reader: ClusterReader;
  checkpoint: CheckpointHook;
}

/**
 * A member listed with the new peer URL is this run's only if this run's intent says it sent the add
 * after seeing the URL free (addIntent.ts): anything else (another run's, a hand-made member) is never
 * taken over, so a rollback never touches it.
 */
async function mustBeOurs(
  deps: Pick<MembershipDeps, 'clients' | 'currentRun'>,
  cluster: ClusterRef,
  peerURL: string,
  m: MemberInfo,
  action: string,
): Promise<void> {
  const owns = intentOwnsMember(
    await readIntent(deps, cluster, peerURL),
    deps.currentRun(),
    m.id,
  );
  if (owns.ours) return;
  throw notOurs(cluster, peerURL, m, owns.why, action);
}

const notOurs = (
  cluster: ClusterRef,
  peerURL: string,
  m: MemberInfo,
  why: string,
  action: string,
) =>
  ApplicationFailure.nonRetryable(
    `member ${m.id} (${m.name || 'unstarted'}, peer ${peerURL}, etcdctl ID ${memberIdHex(m.id)}) is in cluster ${cluster.name} but was not added by this run (${why}): ${action}`,
    ErrorType.MemberNotOurs,
  );

/**
 * This run's intent, claimed and then confirmed: a member that has the peer URL once the claim is in
 * place was added before this run's add (by hand, or by another tool) and is not this run's.
 */
async function claimAndConfirm(
  deps: MembershipDeps,
  cluster: ClusterRef,
  member: { name: string; peerURL: string },
): Promise<void> {
  await claimIntent(deps, cluster, member);
  deps.checkpoint('addLearner:after-claim');
  const seen = await deps.reader.findByPeer(cluster, member.peerURL);
  if (seen.member)
    throw notOurs(
      cluster,
      member.peerURL,
      seen.member,
      "it was added before this run's add intent was in place",
      'not taking it over; if it is stale, remove it by hand and start again',
    );
  await advanceIntent(deps, cluster, member.peerURL, { state: 'adding' });
}

/**
 * etcd refuses an add with "unhealthy cluster" until every member's peer connections have been up for
 * 5 s (a member started, restarted or promoted just now): a refusal that passes by itself at an instant
 * nobody announces. It is asked again here every REFUSAL_POLL_MS for up to REFUSAL_POLL_FOR_MS, as a
 * bare script asks every 0.1 s: a retry by Temporal comes 1 s later whatever the retry policy's
 * interval (the server's floor; measured 1.00 s with 250 ms asked), and a run met it at the canary's
 * add (1.0 s lost). Past that window, or at `until`, the failure is raised as before and Temporal's
 * retry runs the whole add again, its voter check first.
 */
const REFUSAL_POLL_MS = 100;
const REFUSAL_POLL_FOR_MS = 6_000;

async function memberAdd(
  deps: Pick<MembershipDeps, 'clients' | 'checkpoint'>,
  cluster: ClusterRef,
  member: { name: string; peerURL: string },
  until: number | undefined,
): Promise<string | undefined> {
  const stopAt = Math.min(Date.now() + REFUSAL_POLL_FOR_MS, until ?? Infinity);
  for (;;) {
    try {
      return await memberAddOnce(deps, cluster, member, until);
    } catch (err) {
      // Only etcd's "unhealthy cluster" (an expected wait, refused before anything was added) is asked again here.
      if (!isExpectedWait(err) || Date.now() + REFUSAL_POLL_MS >= stopAt)
        throw err;
      await pause(REFUSAL_POLL_MS);
    }
  }
}

/**
 * One `member add --learner`: undefined once added (also when etcd says an earlier attempt added
 * it), or etcd's text when the add drew a removed member's ID.
 */
async function memberAddOnce(
  deps: Pick<MembershipDeps, 'clients' | 'checkpoint'>,
  cluster: ClusterRef,
  member: { name: string; peerURL: string },
  until: number | undefined,
): Promise<string | undefined> {
  try {
    await deps.clients.withCluster(cluster, (c) =>
      c.cluster.memberAdd({ peerURLs: [member.peerURL], isLearner: true }),
    );
    deps.checkpoint('addLearner:after-add'); // added, but the answer never reaches Temporal
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
        throw ApplicationFailure.nonRetryable(
          `cluster ${cluster.name} already has a learner; etcd allows one at a time`,
          ErrorType.LearnerPresent,
        );
      case 'unhealthy-cluster':
        throw giveUpAfter(
          expectedWait(
            `etcd refused to add ${member.name}: unhealthy cluster (a voter is down or restarted in the last 5 s)`,
            ErrorType.ClusterUnhealthy,
          ),
          until,
        );
      default:
        throw ApplicationFailure.retryable(
          `member add ${member.peerURL} failed: ${text}`,
          ErrorType.EtcdRequestFailed,
        );
    }
  }
}

/**
 * Adds the member as a learner, or finds it if an earlier attempt already did. Returns the member
 * ID and ETCD_INITIAL_CLUSTER built from the member list after the add, in the one order. An unhealthy cluster is
 * waited out (retried) until `until`, then refused for good.
 */
async function addLearner(
  deps: MembershipDeps,
  cluster: ClusterRef,
  member: { name: string; peerURL: string },
  knownNames: Record<string, string>,
  until?: number,
): Promise<AddedLearner> {
  const { reader, checkpoint } = deps;
  let idCollisions = 0;
  const result = (
    members: MemberInfo[],
    alreadyPresent: boolean,
  ): AddedLearner => {
    const m = members.find((x) => x.peerURLs.includes(member.peerURL));
    if (!m)
      throw new Error(
        `member list lacks ${member.peerURL} right after adding it`,
      );
    // The one order (memberOrder.ts): the profile's (cluster.endpoints), then this run's new members in
    // the request's order, which knownNames keeps (the run's progress, in plan order), this one last.
    const inOrder = orderedMembers(cluster.endpoints, members, [
      ...Object.keys(knownNames),
      member.peerURL,
    ]);
    return {
      id: m.id,
      initialCluster: initialClusterString(inOrder, member, knownNames),
      alreadyPresent,
      idCollisions,
    };
  };
  checkpoint('addLearner:before');
  // The cluster's status is asked beside the member list (one round trip, not two); it is judged only
  // when the member is not there yet, and its failure only then.
  const status = reader.inspect(cluster);
  status.catch(() => undefined);
  const before = await reader.findByPeer(cluster, member.peerURL);
  if (before.member) {
    await mustBeOurs(
      deps,
      cluster,
      member.peerURL,
      before.member,
      'not taking it over; if it is stale, remove it by hand and start again',
    );
    return result(before.members, true);
  }
  // Never add while a voter is down: the added learner would not hurt quorum, but its promotion would.
  const down = unhealthyVoters(await status);
  if (down.length) {
    throw giveUpAfter(
      ApplicationFailure.retryable(
        `cluster ${cluster.name} is unhealthy, not adding ${member.name}: ${down.map(describeMember).join('; ')}`,
        ErrorType.ClusterUnhealthy,
      ),
      until,
    );
  }
  await claimAndConfirm(deps, cluster, member);
  for (
    let collision = await memberAdd(deps, cluster, member, until);
    collision !== undefined;
    collision = await memberAdd(deps, cluster, member, until)
  ) {
    if (++idCollisions > MAX_ID_COLLISIONS)
      throw ApplicationFailure.retryable(
        `member ID collision adding ${member.peerURL} ${idCollisions} times: ${collision}`,
        ErrorType.MemberIdCollision,
      );
    await sleep(1_100);
  }
  // Read linearizably (inspect.ts listMembersNow): a member that has not applied the add yet never answers it.
  const after = await reader.findByPeer(cluster, member.peerURL);
  if (!after.member)
    throw ApplicationFailure.retryable(
      `member add ${member.peerURL} answered but the member is not listed`,
      ErrorType.EtcdRequestFailed,
    );
  await advanceIntent(deps, cluster, member.peerURL, {
    memberId: after.member.id,
  });
  return result(after.members, false);
}

/** Removes the member with this peer URL; absent already counts as done. */
async function removeMember(
  deps: MembershipDeps,
  cluster: ClusterRef,
  peerURL: string,
): Promise<{ removed: boolean; id?: string }> {
  const { clients, reader, checkpoint } = deps;
  checkpoint('removeMember:before');
  const { member } = await reader.findByPeer(cluster, peerURL);
  if (!member) return { removed: false };
  await mustBeOurs(deps, cluster, peerURL, member, 'left in place');
  try {
    await clients.withCluster(cluster, (c) =>
      c.cluster.memberRemove({ ID: member.id }),
    );
  } catch (err) {
    if (classifyEtcdError(err) === 'member-not-found')
      return { removed: false, id: member.id };
    throw etcdFailure(
      `member remove ${member.id} (${peerURL}; by hand: etcdctl member remove ${memberIdHex(member.id)})`,
      err,
    );
  }
  await dropOwnIntent(deps, cluster, peerURL);
  return { removed: true, id: member.id };
}

export function createMembershipActivities(deps: MembershipDeps) {
  return {
    addLearner: (
      cluster: ClusterRef,
      member: { name: string; peerURL: string },
      knownNames: Record<string, string>,
      until?: number,
    ) => addLearner(deps, cluster, member, knownNames, until),
    removeMember: (cluster: ClusterRef, peerURL: string) =>
      removeMember(deps, cluster, peerURL),
  };
}
