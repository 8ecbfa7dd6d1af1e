/**
 * What makes a cluster unfit to grow, judged from one read of it: a voting member that is not
 * healthy, no leader its members agree on, a raised alarm. Preflight refuses on these, and the dry run
 * (`etcd-scaleout plan`) shows them, from this one rule.
 */

export interface ClusterHealthFacts {
  leaderId?: string;
  alarms: string[];
  members: Array<{
    id: string;
    name: string;
    peerURLs: string[];
    isLearner: boolean;
    healthy: boolean;
    error?: string;
  }>;
}

export function clusterProblems(state: ClusterHealthFacts): string[] {
  const problems: string[] = [];
  for (const m of state.members) {
    if (!m.isLearner && !m.healthy)
      problems.push(
        `member ${m.name || m.id} (${m.peerURLs.join(',')}) is not healthy: ${m.error}`,
      );
  }
  return [...problems, ...leaderAndAlarmProblems(state)];
}

/**
 * What refuses a removal or a replacement, whose plans weigh the unhealthy members by the numbers
 * themselves: no leader the members agree on, a raised alarm.
 */
export function leaderAndAlarmProblems(
  state: Pick<ClusterHealthFacts, 'leaderId' | 'alarms'>,
): string[] {
  return [
    ...(state.leaderId
      ? []
      : ['the cluster has no leader its members agree on']),
    ...(state.alarms.length
      ? [`alarms raised: ${state.alarms.join(', ')}`]
      : []),
  ];
}
