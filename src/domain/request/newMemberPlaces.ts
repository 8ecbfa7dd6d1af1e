/**
 * Where a request's new members are: every address a new member is reached or bound on (its host, its
 * URLs' hosts, its listen address) inside cluster.newMemberNetworks when the operator sets them, and
 * never a loopback, unspecified or link-local address unless a listed network lies inside that range
 * (networks.ts says why). Host names: when networks are set, a new member is named by IP address only,
 * so the check is made here, on the request, before anything resolves a name; when they are not set a
 * name is taken as the operator's known_hosts file has it (the SSH host key is checked), and only the
 * names that always mean the loopback (localhost) are refused.
 *
 * Run on a request that is otherwise valid (request.ts), so each field is well formed here.
 */

import type { FieldError } from './fieldErrors';
import { type Network, newMemberHostProblem, parseNetwork } from './networks';
import { hostOf } from './patterns';
import type { ScaleOutRequest } from './requestShape';

export const NETWORKS_FIELD = 'cluster.newMemberNetworks';

/** The operator's networks for new members (each already valid), or undefined when not set. */
function networksOf(req: ScaleOutRequest): Network[] | undefined {
  return req.cluster.newMemberNetworks?.flatMap((text) => {
    const n = parseNetwork(text);
    return n.ok ? [n.network] : [];
  });
}

/** Each new member's address that is not a new member's to be on, naming its field. */
export function newMemberPlaceErrors(req: ScaleOutRequest): FieldError[] {
  const networks = networksOf(req);
  const errors: FieldError[] = [];
  req.newMembers.forEach((m, i) => {
    const places: Array<[string, string | undefined]> = [
      ['host', m.host],
      ['peerURL', hostOf(m.peerURL)],
      ['clientURL', hostOf(m.clientURL)],
      ['listenAddress', m.listenAddress],
    ];
    for (const [field, host] of places) {
      // A URL naming another host is refused already; the same host is reported once, on `host`.
      if (host === undefined || (field !== 'host' && host === m.host)) continue;
      const problem = newMemberHostProblem(host, networks, NETWORKS_FIELD);
      if (problem)
        errors.push({ field: `newMembers[${i}].${field}`, message: problem });
    }
  });
  return errors;
}
