/**
 * The scale-in's plan: the named members removed one at a time, each step's size and quorum checked
 * against the members that are unhealthy now, the endpoints the worker switches to before it removes
 * a member it reaches the cluster through, and the list the kube-apiservers keep.
 */
import { MAX_CLUSTER_SIZE } from '../request/request';
import { orderedMembers } from './memberOrder';
import {
  describeSize,
  faultTolerance,
  PlanError,
  type SizeStep,
  size,
} from './quorum';
import {
  checkRemovalQuorum,
  endpointsWithout,
  type MemberHealth,
  type RemovedMember,
  resolveMember,
} from './removal';

export interface ScaleInInput {
  cluster: string;
  /** etcd's member list, each member's health asked of it alone. */
  members: MemberHealth[];
  /** The names to remove, in this order. */
  remove: string[];
  /** The worker's cluster.endpoints (the profile's order of the members: memberOrder.ts). */
  endpoints: string[];
  allowEvenSize: boolean;
  /** Accept a target that tolerates no failure from a cluster that tolerated one. */
  allowNoFaultTolerance: boolean;
}

export interface RemovalStep {
  member: RemovedMember;
  before: SizeStep;
  after: SizeStep;
  /** Healthy voters once this member is gone (as read in preflight). */
  healthyAfter: number;
  /** What the worker reaches the cluster through for this step and after it. */
  endpoints: string[];
  /** True when none of the configured endpoints is left: the remaining members' client URLs. */
  switchedEndpoints: boolean;
}

export interface ScaleInPlan {
  cluster: string;
  from: number;
  to: number;
  steps: RemovalStep[];
  warnings: string[];
  /** The list for kube-apiserver's --etcd-servers after the change. */
  etcdServers: string[];
}

/** The numbers of a request, stated once for every refusal of its target. */
const removingText = (names: string[], from: number) =>
  `removing ${names.join(' and ')} of ${from}`;

/** Refuses a target below one, an even one, or one with no fault tolerance, unless allowed. */
function checkTarget(input: ScaleInInput, from: number, to: number): string[] {
  const what = removingText(input.remove, from);
  if (to < 1)
    throw new PlanError(
      'removeMembers',
      `${what} leaves ${to} voters; a cluster needs at least one (to retire it, stop it instead)`,
    );
  if (to % 2 === 0 && !input.allowEvenSize)
    throw new PlanError(
      'removeMembers',
      `${what} leaves ${describeSize(to)}: an even size tolerates no more failures than ${to - 1} (set strategy.allowEvenSize to accept it)`,
    );
  if (
    faultTolerance(to) === 0 &&
    faultTolerance(from) > 0 &&
    !input.allowNoFaultTolerance
  )
    throw new PlanError(
      'removeMembers',
      `${what} leaves ${describeSize(to)} where there were ${describeSize(from)}: losing one more member would then stop every write (set strategy.allowNoFaultTolerance to accept it)`,
    );
  return to % 2 === 0
    ? [
        `target size ${to} is even: it tolerates ${faultTolerance(to)} failure(s), like ${to - 1}`,
      ]
    : [];
}

export function planScaleIn(input: ScaleInInput): ScaleInPlan {
  if (input.remove.length === 0)
    throw new PlanError('removeMembers', 'names no member to remove');
  const dup = input.remove.find((n, i) => input.remove.indexOf(n) !== i);
  if (dup) throw new PlanError('removeMembers', `names ${dup} more than once`);
  const learners = input.members.filter((m) => m.isLearner);
  if (learners.length)
    throw new PlanError(
      'cluster',
      `has a learner (${learners.map((l) => l.name || l.id).join(', ')}); promote or remove it first`,
    );
  if (input.members.length > MAX_CLUSTER_SIZE)
    throw new PlanError(
      'cluster',
      `has ${input.members.length} members, more than the ${MAX_CLUSTER_SIZE} this tool handles`,
    );
  const removed = input.remove.map((name, i) =>
    resolveMember(input.members, name, `removeMembers[${i}]`, input.cluster),
  );
  const from = input.members.length;
  const to = from - removed.length;
  const warnings = checkTarget(input, from, to);

  let voters = [...input.members];
  let endpoints = input.endpoints;
  const steps = removed.map((member, i): RemovalStep => {
    const healthyAfter = checkRemovalQuorum(
      voters,
      member,
      `removeMembers[${i}]`,
      `removing ${member.name} of ${voters.length}`,
    );
    const remaining = voters.filter((v) => v.id !== member.id);
    // Switched endpoints in the one order too, like every list of the members.
    const next = endpointsWithout(
      endpoints,
      [member],
      orderedMembers(input.endpoints, remaining),
    );
    const step: RemovalStep = {
      member,
      before: size(voters.length),
      after: size(remaining.length),
      healthyAfter,
      endpoints: next.endpoints,
      switchedEndpoints: next.switched,
    };
    if (healthyAfter < remaining.length)
      warnings.push(
        `removing ${member.name} leaves ${remaining.length} voters of which ${healthyAfter} healthy (quorum ${step.after.quorum}): no margin for another failure during the run`,
      );
    voters = remaining;
    endpoints = next.endpoints;
    return step;
  });
  return {
    cluster: input.cluster,
    from,
    to,
    steps,
    warnings,
    etcdServers: orderedMembers(input.endpoints, voters).flatMap(
      (m) => m.clientURLs,
    ),
  };
}

/** The plan as numbered lines, for the dry run. */
export function describeScaleIn(plan: ScaleInPlan): string[] {
  const lines = [
    `1. preflight: every voting member healthy (asked alone), one leader, no alarm, no learner; the cluster lock`,
    `2. backup: a verified snapshot of one healthy member`,
  ];
  plan.steps.forEach((s, i) => {
    const urls = s.member.clientURLs.join(',');
    lines.push(
      `${i + 3}. remove ${s.member.name} (ID ${s.member.id}, ${s.member.peerURLs.join(',')}): ` +
        `out of every kube-apiserver's --etcd-servers (${urls}), one node at a time; leadership moved away if it leads; ` +
        `member remove (voters ${s.before.voters} -> ${s.after.voters}, quorum ${s.after.quorum}, tolerates ${s.after.faultTolerance} failure(s)); ` +
        `its service stopped and data dir moved aside when its host answers; the remaining members' env files updated` +
        (s.switchedEndpoints
          ? `; the worker switches to ${s.endpoints.join(',')} first`
          : ''),
    );
  });
  lines.push(
    `${plan.steps.length + 3}. result: ${plan.from} -> ${plan.to} members; --etcd-servers=${plan.etcdServers.join(',')}`,
  );
  return lines;
}
