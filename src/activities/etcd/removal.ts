/**
 * Taking a voter out: leadership moved away from it first (a leader removed mid-term costs the
 * cluster an election while writes stall), then `member remove` by the ID etcd gave it. Both are
 * idempotent: a leader that already moved, a member already gone (NOT_FOUND) count as done. A member
 * is removed only while its ID still names the peer URL it was planned with, so a stale plan never
 * removes another member (Kubespray #11482 removed the wrong members by an address prefix).
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import type { CheckpointHook } from '../checkpoints';
import type { ClusterRef, EtcdClients } from './client';
import {
  classifyEtcdError,
  etcdFailure,
  expectedWait,
  giveUpAfter,
} from './errors';
import type { ClusterReader } from './inspect';
import { memberIdHex } from './membership';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a moved leadership may take to show in the members' status. */
const LEADER_SETTLE_MS = 10_000;

export interface PlannedRemoval {
  id: string;
  name: string;
  peerURL: string;
}

interface RemovalDeps {
  clients: EtcdClients;
  reader: ClusterReader;
  checkpoint: CheckpointHook;
}

/**
 * If `memberId` leads, asks the leader to hand leadership to the healthy voter furthest along
 * (MoveLeader must be sent to the leader), then waits until the members name another leader.
 */
async function moveLeaderAway(
  deps: RemovalDeps,
  cluster: ClusterRef,
  memberId: string,
): Promise<{ moved: boolean; from?: string; to?: string }> {
  const state = await deps.reader.inspect(cluster);
  if (!state.leaderId)
    throw ApplicationFailure.retryable(
      `cluster ${cluster.name} has no leader its members agree on; not moving leadership yet`,
      ErrorType.ClusterUnhealthy,
    );
  if (state.leaderId !== memberId) return { moved: false };
  const leader = state.members.find((m) => m.id === memberId);
  const heir = state.members
    .filter((m) => m.id !== memberId && m.healthy && !m.isLearner)
    .sort((a, b) =>
      Number(BigInt(b.raftIndex ?? 0) - BigInt(a.raftIndex ?? 0)),
    )[0];
  if (!leader?.clientURLs.length || !heir)
    throw ApplicationFailure.retryable(
      `member ${leader?.name || memberId} leads cluster ${cluster.name} and no other healthy voter can take over`,
      ErrorType.ClusterUnhealthy,
    );
  deps.checkpoint('moveLeaderAway:before');
  try {
    await deps.clients.withMember(cluster, leader.clientURLs[0], (c) =>
      c.maintenance.moveLeader({ targetID: heir.id }),
    );
  } catch (err) {
    throw etcdFailure(
      `moving leadership from ${leader.name} to ${heir.name} (by hand: etcdctl --endpoints=${leader.clientURLs[0]} move-leader ${memberIdHex(heir.id)})`,
      err,
    );
  }
  for (const until = Date.now() + LEADER_SETTLE_MS; Date.now() < until; ) {
    const now = await deps.reader.inspect(cluster);
    if (now.leaderId && now.leaderId !== memberId)
      return {
        moved: true,
        from: leader.name,
        to: now.members.find((m) => m.id === now.leaderId)?.name,
      };
    await sleep(200);
  }
  throw ApplicationFailure.retryable(
    `leadership was handed from ${leader.name} to ${heir.name}, but after ${LEADER_SETTLE_MS / 1000}s the members do not name another leader`,
    ErrorType.ClusterUnhealthy,
  );
}

/**
 * `member remove` by ID; absent already counts as done, an ID that names another peer URL is refused.
 * etcd refuses a removal as "unhealthy cluster" until the leader's peer connections have been active
 * for 5 s (just after leadership moved): waited out (retried) until `until`, then refused for good.
 */
async function removeMemberById(
  deps: RemovalDeps,
  cluster: ClusterRef,
  planned: PlannedRemoval,
  until?: number,
): Promise<{ removed: boolean }> {
  deps.checkpoint('removeMemberById:before');
  // As of now: a lagging member's list could still show a member an earlier attempt removed.
  const { members } = await deps.reader.listMembersNow(cluster);
  const m = members.find((x) => x.id === planned.id);
  if (!m) return { removed: false };
  if (!m.peerURLs.includes(planned.peerURL))
    throw ApplicationFailure.nonRetryable(
      `member ${planned.id} of cluster ${cluster.name} has the peer URLs ${m.peerURLs.join(',')}, not ${planned.peerURL} as planned for ${planned.name}: not removing it`,
      ErrorType.MemberMismatch,
    );
  try {
    await deps.clients.withCluster(cluster, (c) =>
      c.cluster.memberRemove({ ID: planned.id }),
    );
  } catch (err) {
    const refusal = classifyEtcdError(err);
    if (refusal === 'member-not-found') return { removed: false };
    if (refusal === 'unhealthy-cluster')
      throw giveUpAfter(
        expectedWait(
          `etcd refused to remove ${planned.name}: unhealthy cluster (a voter is down, or the leader's peer connections are younger than 5 s)`,
          ErrorType.ClusterUnhealthy,
        ),
        until,
      );
    throw etcdFailure(
      `member remove ${planned.name} (${planned.id}; by hand: etcdctl member remove ${memberIdHex(planned.id)})`,
      err,
    );
  }
  deps.checkpoint('removeMemberById:after-remove');
  return { removed: true };
}

export function createRemovalActivities(deps: RemovalDeps) {
  return {
    moveLeaderAway: (cluster: ClusterRef, memberId: string) =>
      moveLeaderAway(deps, cluster, memberId),
    removeMemberById: (
      cluster: ClusterRef,
      planned: PlannedRemoval,
      until?: number,
    ) => removeMemberById(deps, cluster, planned, until),
  };
}
