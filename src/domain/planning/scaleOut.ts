/**
 * The scale-out's plan: the order of joins, each step's size, the refusals of a target size, and the
 * new member's env variables; `describePlan` is the dry run's text.
 */
import { relistenURLs } from '../kubespray/kubesprayEnv';
import { hostOf } from '../request/patterns';
import {
  listenURLs,
  MAX_VOTERS_BY_DEFAULT,
  type NewMember,
  type ScaleOutRequest,
} from '../request/request';
import { initialClusterString } from './memberData';
import { orderedMembers } from './memberOrder';
import {
  faultTolerance,
  type MemberInfo,
  PlanError,
  quorum,
  type SizeStep,
  size,
} from './quorum';

export interface JoinStep {
  member: NewMember;
  /** A replacement's one new member joins in stage `join`. */
  stage: 'canary' | 'batch' | 'join';
  /** ETCD_INITIAL_CLUSTER for this member, assuming the earlier steps succeeded as planned. */
  initialCluster: string;
  /** The cluster while this member is a learner (learners do not vote: quorum is unchanged). */
  whileLearner: SizeStep;
  /** The cluster once this member is promoted. */
  afterPromote: SizeStep;
}

export interface ScaleOutPlan {
  cluster: string;
  from: number;
  to: number;
  steps: JoinStep[];
  warnings: string[];
  /** The list for kube-apiserver's --etcd-servers after the change. */
  etcdServers: string[];
}

/** Refuses a new member that is already in the cluster (peer URL, name, client URL) or shares a member's host. */
function checkNewMembers(request: ScaleOutRequest, members: MemberInfo[]) {
  const byPeer = new Map(
    members.flatMap((m) => m.peerURLs.map((u) => [u, m] as const)),
  );
  const names = new Set(members.map((m) => m.name).filter(Boolean));
  request.newMembers.forEach((nm, i) => {
    if (byPeer.has(nm.peerURL))
      throw new PlanError(
        `newMembers[${i}].peerURL`,
        `${nm.peerURL} is already a member of cluster ${request.cluster.name} (${byPeer.get(nm.peerURL)?.name || byPeer.get(nm.peerURL)?.id})`,
      );
    if (names.has(nm.name))
      throw new PlanError(
        `newMembers[${i}].name`,
        `${nm.name} is already a member of cluster ${request.cluster.name}`,
      );
    if (members.some((m) => m.clientURLs.includes(nm.clientURL)))
      throw new PlanError(
        `newMembers[${i}].clientURL`,
        `${nm.clientURL} is already served by a member`,
      );
    const sharing = members.find((m) =>
      [...m.peerURLs, ...m.clientURLs].some(
        (u) => hostOf(u) === nm.host || hostOf(u) === nm.listenAddress,
      ),
    );
    if (sharing)
      throw new PlanError(
        `newMembers[${i}].host`,
        `${nm.host} is the host of member ${sharing.name || sharing.id}: one etcd member per host (a second etcd there would share its ports and data dir, and its undo would stop a voter)`,
      );
  });
}

/** Refuses an even or large target size unless the strategy allows it; the warnings for one it allows. */
function targetSizeWarnings(
  request: ScaleOutRequest,
  from: number,
  to: number,
): string[] {
  if (to % 2 === 0 && !request.strategy.allowEvenSize) {
    throw new PlanError(
      'newMembers',
      `would take the cluster from ${from} to ${to} members; an even size adds no fault tolerance over ${to - 1} (set strategy.allowEvenSize to accept it)`,
    );
  }
  if (to > MAX_VOTERS_BY_DEFAULT && !request.strategy.allowLargeCluster) {
    throw new PlanError(
      'newMembers',
      `would take the cluster to ${to} voting members; above ${MAX_VOTERS_BY_DEFAULT} every write waits for ${quorum(to)} members and elections slow down (set strategy.allowLargeCluster to accept it)`,
    );
  }
  const warnings: string[] = [];
  if (to % 2 === 0)
    warnings.push(
      `target size ${to} is even: it tolerates ${faultTolerance(to)} failure(s), like ${to - 1}`,
    );
  if (to > MAX_VOTERS_BY_DEFAULT)
    warnings.push(
      `target size ${to} is above ${MAX_VOTERS_BY_DEFAULT}: every write waits for ${quorum(to)} members`,
    );
  return warnings;
}

/** Checks the request against the live member list and lays out the joins in order. */
export function planScaleOut(
  request: ScaleOutRequest,
  members: MemberInfo[],
): ScaleOutPlan {
  const voters = members.filter((m) => !m.isLearner);
  const learners = members.filter((m) => m.isLearner);
  if (learners.length > 0) {
    throw new PlanError(
      'cluster',
      `has a learner already (${learners.map((l) => l.name || l.id).join(', ')}); promote or remove it first`,
    );
  }
  checkNewMembers(request, members);
  const from = voters.length;
  const to = from + request.newMembers.length;
  const warnings = targetSizeWarnings(request, from, to);

  const added = request.newMembers.map((m) => m.peerURL);
  const inOrder = (list: MemberInfo[]) =>
    orderedMembers(request.cluster.endpoints, list, added);
  const running: MemberInfo[] = [...members];
  const steps = request.newMembers.map((member, i): JoinStep => {
    const step: JoinStep = {
      member,
      stage: i < request.strategy.canary ? 'canary' : 'batch',
      initialCluster: initialClusterString(inOrder(running), member),
      whileLearner: size(from + i),
      afterPromote: size(from + i + 1),
    };
    running.push({
      id: `planned-${i}`,
      name: member.name,
      peerURLs: [member.peerURL],
      clientURLs: [member.clientURL],
      isLearner: false,
    });
    return step;
  });
  const fragile = noFaultToleranceWindow(from, steps);
  if (fragile) warnings.push(fragile);
  return {
    cluster: request.cluster.name,
    from,
    to,
    steps,
    warnings,
    etcdServers: inOrder(running).flatMap((m) => m.clientURLs),
  };
}

/**
 * Names the stretch of the plan where one failed voter loses quorum: 1 -> 3 passes through 2 voters,
 * which tolerate no failure (nor did the 1 it started from). Undefined when every step tolerates one.
 */
export function noFaultToleranceWindow(
  from: number,
  steps: JoinStep[],
): string | undefined {
  const sizes = [from, ...steps.map((s) => s.afterPromote.voters)].filter(
    (v, i, all) => faultTolerance(v) === 0 && all.indexOf(v) === i,
  );
  if (!sizes.length) return undefined;
  return `no fault tolerance while the cluster has ${sizes.join(' or ')} voter(s): losing one member then loses quorum (writes stop; a rollback may not finish)`;
}

/** Voting members once every canary is promoted: what the verify phase expects. */
export const votersAfterCanary = (plan: ScaleOutPlan): number =>
  plan.steps.filter((s) => s.stage === 'canary').slice(-1)[0].afterPromote
    .voters;

/**
 * The membership variables of the new member's env file. The node adapter merges them into the
 * node's existing env file, so TLS paths and tuning that Kubespray templated stay as they were.
 * `nodeEnv` is that existing file, parsed: its loopback and wildcard listeners (Kubespray's
 * `https://127.0.0.1:2379`) stay, its own address becomes the member's listen address.
 */
export function memberEnv(
  member: NewMember,
  initialCluster: string,
  dataDir: string,
  clusterToken = 'k8s_etcd',
  nodeEnv: Record<string, string> = {},
): Record<string, string> {
  const listen = listenURLs(member);
  return {
    ETCD_NAME: member.name,
    ETCD_DATA_DIR: dataDir,
    ETCD_INITIAL_ADVERTISE_PEER_URLS: member.peerURL,
    ETCD_ADVERTISE_CLIENT_URLS: member.clientURL,
    ETCD_LISTEN_PEER_URLS: relistenURLs(
      'ETCD_LISTEN_PEER_URLS',
      nodeEnv.ETCD_LISTEN_PEER_URLS,
      listen.peer,
    ),
    ETCD_LISTEN_CLIENT_URLS: relistenURLs(
      'ETCD_LISTEN_CLIENT_URLS',
      nodeEnv.ETCD_LISTEN_CLIENT_URLS,
      listen.client,
    ),
    ETCD_INITIAL_CLUSTER: initialCluster,
    ETCD_INITIAL_CLUSTER_STATE: 'existing',
    ETCD_INITIAL_CLUSTER_TOKEN: clusterToken,
  };
}

/** Describes the plan as numbered lines, for the dry run. */
export function describePlan(
  plan: ScaleOutPlan,
  request: ScaleOutRequest,
): string[] {
  const lines: string[] = [];
  let n = 1;
  const say = (s: string) => lines.push(`${n++}. ${s}`);
  say(
    `preflight: check ${plan.from} voting members healthy with a leader, no alarms, no learner; check ${plan.steps.length} new host(s) over SSH (host key, etcd version, ports, data dir ${request.node.dataDir}: ${request.strategy.staleDataDir} if stale)`,
  );
  say(
    `backup: snapshot one healthy member into ${request.backup.dir}, verify its SHA-256 trailer`,
  );
  for (const s of plan.steps) {
    say(
      `${s.stage} ${s.member.name} (${s.member.host}): add learner ${s.member.peerURL} (voters ${s.whileLearner.voters}, quorum ${s.whileLearner.quorum}); ` +
        `write ${request.node.envFile} with ETCD_INITIAL_CLUSTER=${s.initialCluster} ETCD_INITIAL_CLUSTER_STATE=existing; start ${request.node.service} (TimeoutStartSec ${request.strategy.startTimeoutSeconds}s for this start); ` +
        `wait for catch-up (deadline ${request.strategy.catchUpTimeoutSeconds}s); promote (voters ${s.afterPromote.voters}, quorum ${s.afterPromote.quorum}, tolerates ${s.afterPromote.faultTolerance} failure(s)); verify`,
    );
  }
  const cp = request.controlPlane;
  if (cp?.nodes.length)
    say(
      `apiservers: on ${cp.nodes.map((c) => c.host).join(', ')}, one at a time, every apiserver ready first; append the new members to --etcd-servers in the kube-apiserver manifest (original kept outside the manifests folder), wait until it runs with them and /readyz (etcd included) stays ok for ${cp.settleSeconds}s (deadline ${cp.readyTimeoutSeconds}s; else put back)`,
    );
  say(
    `result: ${plan.from} -> ${plan.to} members; --etcd-servers=${plan.etcdServers.join(',')}${cp?.nodes.length ? '' : ' (no control-plane nodes: the kube-apiservers are not told)'}`,
  );
  return lines;
}
