/**
 * The one planning module: order of joins, quorum math, initial-cluster strings and a member's env
 * variables (the env file's text itself: envFileText.ts). Pure and deterministic; the workflow, the
 * dry run (`etcd-scaleout plan`) and the CLI all use it.
 */

import { relistenURLs } from './kubesprayEnv';
import { hostOf, NAME, NAME_RULE, urlProblem } from './patterns';
import {
  listenURLs,
  MAX_VOTERS_BY_DEFAULT,
  type NewMember,
  type ScaleOutRequest,
} from './request';

/** A member as etcd's member list reports it (IDs are decimal strings of 64-bit numbers). */
export interface MemberInfo {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export const quorum = (voters: number): number => Math.floor(voters / 2) + 1;
/** How many voters may fail while the cluster keeps quorum. */
export const faultTolerance = (voters: number): number =>
  voters - quorum(voters);

export interface SizeStep {
  voters: number;
  quorum: number;
  faultTolerance: number;
}

export interface JoinStep {
  member: NewMember;
  stage: 'canary' | 'batch';
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

export class PlanError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PlanError';
  }
}

const size = (voters: number): SizeStep => ({
  voters,
  quorum: quorum(voters),
  faultTolerance: faultTolerance(voters),
});

/**
 * `name=peerURL,...` in the order etcd lists members, new member last. Kubespray's format.
 * A member that was added but never started has an empty name in etcd's list; the caller passes the
 * names it knows (`knownNames`, by peer URL) so the string is still complete.
 */
export function initialClusterString(
  members: MemberInfo[],
  joining: { name: string; peerURL: string },
  knownNames: Record<string, string> = {},
): string {
  const parts: string[] = [];
  let sawJoining = false;
  for (const m of members) {
    const isJoining = m.peerURLs.includes(joining.peerURL);
    const name = isJoining
      ? joining.name
      : m.name || m.peerURLs.map((u) => knownNames[u]).find(Boolean);
    if (!name)
      throw new PlanError(
        'members',
        `member ${m.id} (${m.peerURLs.join(',')}) has no name: it was added but never started; remove it or start it first`,
      );
    checkMemberData(m, name);
    for (const url of m.peerURLs) parts.push(`${name}=${url}`);
    sawJoining ||= isJoining;
  }
  if (!sawJoining) parts.push(`${joining.name}=${joining.peerURL}`);
  return parts.join(',');
}

/**
 * What etcd's member list says goes into a node's env file (ETCD_INITIAL_CLUSTER): a member named
 * `etcd2\nLD_PRELOAD=/tmp/x.so` would write a second line. Names and URLs read from the cluster are
 * held to the same patterns as the request's before they reach a file.
 */
export function checkMemberData(m: MemberInfo, name = m.name): void {
  if (!NAME.test(name))
    throw new PlanError(
      'members',
      `member ${m.id} has the name ${JSON.stringify(name)}, which is not ${NAME_RULE}; refusing to write it into an env file`,
    );
  for (const url of [...m.peerURLs, ...m.clientURLs]) {
    const problem = urlProblem(url, 2380, 'member URL');
    if (problem || /[\s,=]/.test(url))
      throw new PlanError(
        'members',
        `member ${name} (${m.id}) has the URL ${JSON.stringify(url)}, which ${problem ?? 'holds a space, "," or "="'}; refusing to write it into an env file`,
      );
  }
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

  const running: MemberInfo[] = [...members];
  const steps = request.newMembers.map((member, i): JoinStep => {
    const step: JoinStep = {
      member,
      stage: i < request.strategy.canary ? 'canary' : 'batch',
      initialCluster: initialClusterString(running, member),
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
    etcdServers: running.flatMap((m) => m.clientURLs),
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
        `write ${request.node.envFile} with ETCD_INITIAL_CLUSTER=${s.initialCluster} ETCD_INITIAL_CLUSTER_STATE=existing; start ${request.node.service}; ` +
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
