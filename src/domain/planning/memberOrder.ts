/**
 * The one order of a cluster's members, wherever the product writes or shows a list of them: the
 * result's `etcdServers`, every member's ETCD_INITIAL_CLUSTER, the plan's lists, the results' member
 * names. etcd's member list has no stable order (it changes from run to run), so it never decides:
 *  1. the existing members in the order the profile lists them (`cluster.endpoints`, which a profile
 *     made from the inventory has in the etcd group's order: the order Kubespray writes into the
 *     apiservers' --etcd-servers and into ETCD_INITIAL_CLUSTER);
 *  2. members etcd has that the profile does not name (added after the profile was written), by name,
 *     then ID: existing members, so before the new ones;
 *  3. the run's new members, in the request's order: appended, as the apiservers' manifests get them
 *     (apiserverManifest.ts keeps a list's order and appends) and as the inventory change adds them.
 * Removed members are dropped by not being passed. A replacement's new member is a new member:
 * appended, not put in the replaced one's place, because that is where the manifests' rollout (the old
 * one taken out, the new one appended) and the inventory change put it, so all lists agree. One that
 * reuses the replaced member's client URL is in the profile already, and keeps that place.
 */
import { sameServer } from '../kubernetes/apiserverManifest';
import type { MemberInfo } from './quorum';

type Ordered = Pick<MemberInfo, 'id' | 'name' | 'peerURLs' | 'clientURLs'>;

/**
 * `members` in the one order. `profileOrder`: the profile's client URLs (cluster.endpoints); `added`:
 * the run's new members' peer URLs in the request's order (peer URLs, since a learner not started yet
 * has no client URL in etcd's list). Pure; returns a new array.
 */
export function orderedMembers<T extends Ordered>(
  profileOrder: readonly string[],
  members: readonly T[],
  added: readonly string[] = [],
): T[] {
  const inProfile = (m: T) =>
    profileOrder.findIndex((e) => m.clientURLs.some((u) => sameServer(u, e)));
  const inAdded = (m: T) => added.findIndex((p) => m.peerURLs.includes(p));
  const rank = (m: T): [number, number] => {
    const p = inProfile(m);
    if (p >= 0) return [0, p];
    const a = inAdded(m);
    return a >= 0 ? [2, a] : [1, 0];
  };
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const byName = (a: T, b: T) => cmp(a.name, b.name) || cmp(a.id, b.id);
  return members
    .map((m) => ({ m, r: rank(m) }))
    .sort((x, y) => x.r[0] - y.r[0] || x.r[1] - y.r[1] || byName(x.m, y.m))
    .map((x) => x.m);
}

/** `name=peerURL,...` for each of `members`, in the order given (orderedMembers'): ETCD_INITIAL_CLUSTER. */
export const memberListString = (
  members: ReadonlyArray<Pick<MemberInfo, 'name' | 'peerURLs'>>,
): string =>
  members.flatMap((m) => m.peerURLs.map((u) => `${m.name}=${u}`)).join(',');
