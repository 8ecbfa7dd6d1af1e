/**
 * The replacement's plan. The member to replace decides the path:
 * - down or unhealthy: etcd's FAQ order, remove the failed member first, then add its replacement
 *   (adding first would raise the quorum while the dead member still counts): out of the apiservers'
 *   lists, remove, join the new node by the numbered join, into the lists;
 * - healthy (a hardware refresh): join the new node first, then swap it into the lists, move
 *   leadership away if the old one leads, remove it, retire its service and data dir. The cluster
 *   never has fewer healthy voters than it started with.
 * The point of no return is the old member's removal: before it everything is undone, after it the
 * run only goes forward.
 *
 * The rebuilt machine (down path only): the new member is the replaced one on its own machine, same
 * name, peer URL and client URL, empty disk. It is removed, then the same peer URL is added again (a new
 * member ID: etcd's ID is a hash of the peer URLs and the second, and the add waits out a collision).
 * The apiservers' --etcd-servers is the same list before and after, so they are not touched: taking the
 * URL out and putting it back would restart every apiserver twice for nothing. A healthy member is never
 * replaced by itself: it would have to leave before its replacement joins, which is the down path's risk
 * taken with no failure to justify it.
 */
import { hostOf } from '../request/patterns';
import type { NewMember } from '../request/request';
import { addRule } from './addRule';
import { initialClusterString } from './memberData';
import { orderedMembers } from './memberOrder';
import {
  describeSize,
  type MemberInfo,
  PlanError,
  quorum,
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
import type { JoinStep } from './scaleOut';

export type ReplacePath = 'down' | 'healthy';

/** The phases of each path, in order; `remove-old` is the point of no return. */
export type ReplaceStep =
  | 'apiservers-unchanged'
  | 'apiservers-out'
  | 'remove-old'
  | 'join-new'
  | 'apiservers-in'
  | 'apiservers-swap';

export const REPLACE_STEPS: Record<ReplacePath, ReplaceStep[]> = {
  down: ['apiservers-out', 'remove-old', 'join-new', 'apiservers-in'],
  healthy: ['join-new', 'apiservers-swap', 'remove-old'],
};

/** The down path on the rebuilt machine: the apiservers' list is the same before and after. */
export const REBUILT_STEPS: ReplaceStep[] = [
  'remove-old',
  'join-new',
  'apiservers-unchanged',
];

export interface ReplaceInput {
  cluster: string;
  members: MemberHealth[];
  leaderId?: string;
  /** The name of the member to replace, as etcd lists it. */
  replace: string;
  newMember: NewMember;
  endpoints: string[];
}

export interface ReplacePlan {
  cluster: string;
  path: ReplacePath;
  steps: ReplaceStep[];
  old: RemovedMember;
  oldLeads: boolean;
  newMember: NewMember;
  /** The new member is the old one on its rebuilt machine: its name, peer URL and client URL (down path only). */
  atOwnAddress: boolean;
  /** ETCD_INITIAL_CLUSTER of the new member's env file. */
  initialCluster: string;
  /** The new member's numbered join (the scale-out's), with the sizes of this path. */
  join: JoinStep;
  /** Voters before the run, and with the new member promoted (healthy path: one more). */
  before: SizeStep;
  peak: SizeStep;
  /** Healthy voters when the run starts, and the fewest at any step of the plan. */
  healthyAtStart: number;
  healthyAtLeast: number;
  /** What the worker reaches the cluster through once the old member is removed. */
  endpoints: string[];
  switchedEndpoints: boolean;
  /** The list for kube-apiserver's --etcd-servers after the change. */
  etcdServers: string[];
  warnings: string[];
}

type Identity = Pick<MemberInfo, 'name' | 'peerURLs' | 'clientURLs'>;

/** The new member must not be in the cluster already, except as the failed member it replaces. */
function checkNewMember(
  members: MemberInfo[],
  nm: NewMember,
  old: RemovedMember,
  path: ReplacePath,
): void {
  const others = members.filter((m) => path === 'healthy' || m.id !== old.id);
  const clash = (m: Identity) =>
    m.name === nm.name ||
    m.peerURLs.includes(nm.peerURL) ||
    m.clientURLs.includes(nm.clientURL) ||
    [...m.peerURLs, ...m.clientURLs].some(
      (u) => hostOf(u) === nm.host || hostOf(u) === nm.listenAddress,
    );
  if (path === 'healthy' && clash(old))
    throw new PlanError(
      'newMembers[0]',
      `${nm.name} (${nm.host}, ${nm.peerURL}) has ${old.name}'s own ${sharedWith(nm, old)}, and ${old.name} is healthy (it answers on ${old.clientURLs.join(',') || old.peerURLs.join(',')}): a healthy member cannot be replaced by itself, since it would have to leave before its replacement joins. If its machine is being rebuilt, stop etcd on ${hostOf(old.peerURLs[0])} first (then it is down, and the replacement removes it and adds it again at its own address); for a hardware refresh, name a new member with a host, name and URLs of its own`,
    );
  // A URL of the replaced member is its identity to etcd and the apiservers: all of it or none.
  if (
    path === 'down' &&
    !isOwnAddress(nm, old) &&
    (old.peerURLs.includes(nm.peerURL) || old.clientURLs.includes(nm.clientURL))
  )
    throw new PlanError(
      'newMembers[0]',
      `${nm.name} (${nm.peerURL}, ${nm.clientURL}) takes part of ${old.name}'s identity (${old.name}, ${old.peerURLs.join(',')}, ${old.clientURLs.join(',')}): a member rebuilt on its own machine keeps its name, peer URL and client URL all three; otherwise give the new member a name and URLs of its own`,
    );
  const taken = others.find(clash);
  if (taken)
    throw new PlanError(
      'newMember',
      `${nm.name} (${nm.host}, ${nm.peerURL}) clashes with member ${taken.name || taken.id} (${taken.peerURLs.join(',')}): one etcd member per host, names and URLs unique` +
        (path === 'healthy' && taken.id === old.id
          ? `; ${old.name} is healthy, so the new member joins before it leaves and needs a host, name and URLs of its own`
          : ''),
    );
}

/** The new member is `old` on its own machine: the same name, peer URL and client URL (only one of each). */
export const isOwnAddress = (nm: NewMember, old: Identity): boolean =>
  nm.name === old.name &&
  old.peerURLs.length === 1 &&
  old.peerURLs[0] === nm.peerURL &&
  old.clientURLs.length === 1 &&
  old.clientURLs[0] === nm.clientURL;

/** What of `old` the new member has: its name, host, URLs. */
function sharedWith(nm: NewMember, old: Identity): string {
  const hosts = [...old.peerURLs, ...old.clientURLs].map(hostOf);
  return [
    nm.name === old.name ? 'name' : '',
    hosts.includes(nm.host) || hosts.includes(nm.listenAddress ?? '')
      ? 'host'
      : '',
    old.peerURLs.includes(nm.peerURL) ? 'peer URL' : '',
    old.clientURLs.includes(nm.clientURL) ? 'client URL' : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** What a refused add asks for: the unhealthy voters other than the one replaced, by name, back or removed. */
function bringBackOrRemove(
  members: MemberHealth[],
  old: RemovedMember,
): string {
  const sick = members.filter((m) => m.id !== old.id && !m.healthy);
  if (!sick.length) return 'grow the cluster first';
  const names = sick
    .map((m) => `${m.name || m.id} (${m.error ?? 'unhealthy'})`)
    .join(', ');
  return `bring ${names} back or remove ${sick.length === 1 ? 'it' : 'them'} first (removeMembers)`;
}

/** The new member as a healthy voter, once promoted. */
const promotedNew = (nm: NewMember): MemberHealth => ({
  id: 'new',
  name: nm.name,
  peerURLs: [nm.peerURL],
  clientURLs: [nm.clientURL],
  isLearner: false,
  healthy: true,
});

export function planReplace(input: ReplaceInput): ReplacePlan {
  const learners = input.members.filter((m) => m.isLearner);
  if (learners.length)
    throw new PlanError(
      'cluster',
      `has a learner (${learners.map((l) => l.name || l.id).join(', ')}); promote or remove it first`,
    );
  const old = resolveMember(
    input.members,
    input.replace,
    'replace',
    input.cluster,
  );
  const path: ReplacePath = old.healthy ? 'healthy' : 'down';
  checkNewMember(input.members, input.newMember, old, path);
  const n = input.members.length;
  const healthyAtStart = input.members.filter((m) => m.healthy).length;
  const what = `replacing ${old.name} of ${n}`;
  const warnings: string[] = [];
  let healthyAtLeast: number;
  if (path === 'down') {
    healthyAtLeast = checkRemovalQuorum(input.members, old, 'replace', what);
  } else {
    healthyAtLeast = Math.min(
      healthyAtStart,
      checkRemovalQuorum(
        [...input.members, promotedNew(input.newMember)],
        old,
        'replace',
        what,
      ),
    );
  }
  // etcd accepts a member add (a learner's too) only while a quorum of the cluster it would make is
  // connected, or every voter on older releases (addRule.ts): the new member joins a cluster of
  // `addTo` voters, of which `healthyAtAdd` are healthy.
  const addTo = path === 'down' ? n - 1 : n;
  const healthyAtAdd = path === 'down' ? healthyAtLeast : healthyAtStart;
  const rule = addRule(
    input.members.filter((m) => m.healthy).map((m) => m.version),
  );
  const needed = rule.everyVoter ? addTo : quorum(addTo + 1);
  if (healthyAtAdd < needed)
    throw new PlanError(
      'replace',
      `${what}: the new member would join ${addTo} voters of which ${healthyAtAdd} healthy, and ${
        rule.everyVoter
          ? `etcd ${rule.version ?? '(version unknown)'} refuses a member add unless all ${addTo} are healthy and connected (from 3.5.30 and 3.6.11 a quorum of ${addTo + 1} is enough)`
          : `etcd refuses a member add unless ${quorum(addTo + 1)} (the quorum of ${addTo + 1}) are healthy and connected`
      }; ${bringBackOrRemove(input.members, old)}`,
    );
  if (healthyAtStart < n)
    warnings.push(
      `${n - healthyAtStart} of ${n} voters unhealthy at the start (quorum ${quorum(n)}): the run keeps at least ${healthyAtLeast} healthy`,
    );
  const remaining = input.members.filter((m) => m.id !== old.id);
  const atOwnAddress = path === 'down' && isOwnAddress(input.newMember, old);
  // The new member appended (memberOrder.ts says why, not in the old one's place).
  const inOrder = (list: MemberInfo[]) =>
    orderedMembers(input.endpoints, list, [input.newMember.peerURL]);
  const after = inOrder([...remaining, promotedNew(input.newMember)]);
  // The rebuilt member keeps its place (its client URL is the profile's); any other new one is last.
  const initialCluster = initialClusterString(
    atOwnAddress ? after : inOrder(path === 'down' ? remaining : input.members),
    input.newMember,
  );
  // Switched endpoints in the one order too: the join's ETCD_INITIAL_CLUSTER is ordered by them.
  const ends = endpointsWithout(input.endpoints, [old], inOrder(remaining));
  return {
    cluster: input.cluster,
    path,
    steps: atOwnAddress ? REBUILT_STEPS : REPLACE_STEPS[path],
    old,
    oldLeads: input.leaderId === old.id,
    newMember: input.newMember,
    atOwnAddress,
    initialCluster,
    join: {
      member: input.newMember,
      stage: 'join',
      initialCluster,
      whileLearner: size(addTo),
      afterPromote: size(addTo + 1),
    },
    before: size(n),
    peak: size(path === 'down' ? n : n + 1),
    healthyAtStart,
    healthyAtLeast,
    endpoints: ends.endpoints,
    switchedEndpoints: ends.switched,
    etcdServers: after.flatMap((m) => m.clientURLs),
    warnings,
  };
}

/** The plan as numbered lines, for the dry run; the point of no return named where it is. */
export function describeReplace(plan: ReplacePlan): string[] {
  const o = plan.old;
  const nm = plan.newMember;
  const text: Record<ReplaceStep, string> = {
    'apiservers-unchanged': `every kube-apiserver's --etcd-servers unchanged (${nm.clientURL} is ${o.name}'s own client URL, before and after): the apiservers are not touched`,
    'apiservers-out': `take ${o.clientURLs.join(',')} out of every kube-apiserver's --etcd-servers, one node at a time`,
    'remove-old': `POINT OF NO RETURN: ${plan.oldLeads ? 'move leadership away from it, ' : ''}member remove ${o.name} (ID ${o.id}); stop its service and move its data dir aside when its host answers; from here on only forward`,
    'join-new': `${plan.atOwnAddress ? `re-add ${nm.name} at its own address after the removal (the same peer URL ${nm.peerURL}, a new member ID), on its rebuilt machine (its data dir empty or moved aside): ` : ''}join ${nm.name} (${nm.host}, ${nm.peerURL}) by the numbered join: learner, env file with ETCD_INITIAL_CLUSTER=${plan.initialCluster}, start, catch up, promote (${describeSize(plan.peak.voters)}), verify`,
    'apiservers-in': `add ${nm.clientURL} to every kube-apiserver's --etcd-servers, one node at a time`,
    'apiservers-swap': `in every kube-apiserver's --etcd-servers, one node at a time: add ${nm.clientURL}, remove ${o.clientURLs.join(',')}`,
  };
  const lines = [
    `path: ${plan.path === 'down' ? `${o.name} is down or unhealthy: remove it first, then ${plan.atOwnAddress ? `re-add it at its own address (its machine rebuilt)` : `join ${nm.name}`}` : `${o.name} is healthy: join ${nm.name} first, then remove ${o.name}`} (healthy voters: ${plan.healthyAtStart} at the start, never fewer than ${plan.healthyAtLeast})`,
    '1. preflight: the members and their health, the new host over SSH, the cluster lock',
    '2. backup: a verified snapshot of one healthy member',
    ...plan.steps.map((s, i) => `${i + 3}. ${text[s]}`),
    `${plan.steps.length + 3}. result: ${plan.before.voters} members, ${o.name} replaced by ${nm.name}; --etcd-servers=${plan.etcdServers.join(',')}`,
  ];
  return lines;
}
