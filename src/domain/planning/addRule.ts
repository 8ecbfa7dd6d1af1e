/**
 * etcd's strict-reconfiguration check on a member add (a learner's too), which decides whether a
 * replacement can add its new member while another voter is down. The member that receives the add
 * refuses it with `unhealthy cluster` unless its peer connections have been active for 5 s: up to
 * 3.5.29 and 3.6.10 to every voter, from 3.5.30 and 3.6.11 (and in 3.7) only to a quorum of the
 * cluster the add makes. Pure.
 */

/** The release that first counts only a quorum, per minor version of 3.x. */
const QUORUM_RULE_SINCE: Record<number, number> = { 5: 30, 6: 11 };

const parse = (v: string): [number, number, number] | undefined => {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
};

/** Whether a release counts a quorum (true) or every voter (false) before it accepts a member add. */
export function countsQuorumForAdd(version: string): boolean {
  const v = parse(version);
  if (!v) return false;
  const [major, minor, patch] = v;
  if (major !== 3) return major > 3;
  if (minor > 6) return true;
  const since = QUORUM_RULE_SINCE[minor];
  return since !== undefined && patch >= since;
}

/**
 * The rule the cluster applies, from the versions its members report: any member may receive the
 * add, so one release with the older rule is enough for it. No version known counts as the older
 * rule: the plan may then refuse a replacement etcd would take, never the other way round.
 */
export function addRule(versions: Array<string | undefined>): {
  everyVoter: boolean;
  /** The older release that sets the rule, when one is known. */
  version?: string;
} {
  const known = versions.filter((v): v is string => !!v && !!parse(v));
  const older = known.find((v) => !countsQuorumForAdd(v));
  return older || !known.length
    ? { everyVoter: true, version: older }
    : { everyVoter: false };
}
