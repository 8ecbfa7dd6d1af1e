/**
 * What etcd's member list contributes to an env file: the initial-cluster string, and the check that
 * names and URLs read from the cluster are fit to be written into one.
 */
import { NAME, NAME_RULE, urlProblem } from '../request/patterns';
import { type MemberInfo, PlanError } from './quorum';

/**
 * `name=peerURL,...` in the order given (orderedMembers'), the joining member last unless listed. Kubespray's format.
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
