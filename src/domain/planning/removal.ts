/**
 * What every removal shares (scale-in and replace): a member named by the request, found in etcd's
 * member list by its exact name (never a prefix or an address match, Kubespray #11482), the quorum
 * check of taking one voter out while others may be unhealthy, and the endpoints the worker uses once
 * it is gone (never only the member being removed).
 */
import { describeSize, type MemberInfo, PlanError, quorum } from './quorum';

/** A member with what preflight read of it, each asked alone. */
export interface MemberHealth extends MemberInfo {
  healthy: boolean;
  error?: string;
  /** The etcd release the member reports (status), when it answers. */
  version?: string;
}

/** The member a removal takes out, as etcd named it: the ID `member remove` takes, its URLs. */
export interface RemovedMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  healthy: boolean;
}

const nameList = (members: MemberInfo[]) =>
  members.map((m) => m.name || `(unstarted ${m.id})`).join(', ');

/** The one member etcd lists under exactly `name`; refuses none, several, or a learner. */
export function resolveMember(
  members: MemberHealth[],
  name: string,
  field: string,
  cluster: string,
): RemovedMember {
  const found = members.filter((m) => m.name === name);
  if (found.length === 0)
    throw new PlanError(
      field,
      `no member of cluster ${cluster} is named ${JSON.stringify(name)} (members: ${nameList(members)}); names are matched exactly`,
    );
  if (found.length > 1)
    throw new PlanError(
      field,
      `${found.length} members of cluster ${cluster} are named ${JSON.stringify(name)} (IDs ${found.map((m) => m.id).join(', ')}); remove the duplicate by ID by hand first`,
    );
  const m = found[0];
  if (m.isLearner)
    throw new PlanError(
      field,
      `${name} (${m.id}) is a learner, not a voter; a learner left by a run is removed by that run's rollback`,
    );
  return {
    id: m.id,
    name: m.name,
    peerURLs: m.peerURLs,
    clientURLs: m.clientURLs,
    healthy: m.healthy,
  };
}

/**
 * Taking `member` out of `voters`: etcd commits the removal with a quorum of the old voters, and the
 * cluster must keep a quorum of the new ones. Unhealthy voters other than `member` count against
 * both. Returns the healthy voters left, or throws naming the numbers.
 */
export function checkRemovalQuorum(
  voters: MemberHealth[],
  member: RemovedMember,
  field: string,
  what: string,
): number {
  const n = voters.length;
  const others = voters.filter((v) => v.id !== member.id);
  const sick = others.filter((v) => !v.healthy);
  const healthyOthers = others.length - sick.length;
  const sickText = sick.length
    ? ` while ${sick.map((s) => `${s.name || s.id} (${s.error ?? 'unhealthy'})`).join(', ')} ${sick.length === 1 ? 'is' : 'are'} unhealthy`
    : '';
  const healthyNow = healthyOthers + (member.healthy ? 1 : 0);
  if (healthyNow < quorum(n))
    throw new PlanError(
      field,
      `${what}: the cluster has ${n} voters and only ${healthyNow} healthy${sickText}; quorum of ${n} is ${quorum(n)}, so etcd cannot commit the removal (the cluster has lost quorum: restore it first)`,
    );
  if (n - 1 >= 1 && healthyOthers < quorum(n - 1))
    throw new PlanError(
      field,
      `${what}${sickText}: leaves ${describeSize(n - 1)} with ${healthyOthers} healthy, below its quorum of ${quorum(n - 1)}`,
    );
  return healthyOthers;
}

/**
 * The endpoints the worker reaches the cluster through once `gone` are removed: the configured ones
 * that are not theirs, or, when none is left, the remaining members' client URLs (the switch is
 * made before the removal, never after).
 */
export function endpointsWithout(
  endpoints: string[],
  gone: Array<Pick<MemberInfo, 'clientURLs'>>,
  remaining: Array<Pick<MemberInfo, 'clientURLs'>>,
): { endpoints: string[]; switched: boolean } {
  const goneURLs = new Set(gone.flatMap((m) => m.clientURLs));
  const kept = endpoints.filter((e) => !goneURLs.has(e));
  if (kept.length) return { endpoints: kept, switched: false };
  return { endpoints: remaining.flatMap((m) => m.clientURLs), switched: true };
}
