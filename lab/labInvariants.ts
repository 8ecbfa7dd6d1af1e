/**
 * The keys a test seeds into a lab's cluster, and the invariants every run must leave behind there
 * (Lab.seedKeys, Lab.checkInvariants).
 */
import type { LabEtcdCluster } from './etcdCluster';

/** Writes `count` keys under /lab/ and returns them, to check later that they survived. */
export async function seedLabKeys(
  cluster: LabEtcdCluster,
  count: number,
): Promise<Record<string, string>> {
  const c = cluster.client();
  const data: Record<string, string> = {};
  try {
    for (let i = 0; i < count; i++) {
      const k = `/lab/key-${String(i).padStart(4, '0')}`;
      data[k] = `value-${i}-${'x'.repeat(i % 17)}`;
      await c.put(k).value(data[k]);
    }
  } finally {
    c.close();
  }
  return data;
}

/**
 * What every run must leave: no learner, no unstarted member, no duplicate peer URL, every member
 * healthy with one leader, the expected members, and the seeded keys intact.
 */
export async function checkLabInvariants(
  cluster: LabEtcdCluster,
  expect: { members: string[]; keys: Record<string, string> },
): Promise<string[]> {
  const problems: string[] = [];
  const c = cluster.client();
  try {
    const { members } = await c.cluster.memberList({});
    const names = members.map((m) => m.name).sort();
    if (JSON.stringify(names) !== JSON.stringify([...expect.members].sort()))
      problems.push(
        `members ${names.join(',')} != expected ${[...expect.members].sort().join(',')}`,
      );
    const learners = members.filter((m) => m.isLearner);
    if (learners.length)
      problems.push(
        `learners left: ${learners.map((m) => m.name || m.ID).join(',')}`,
      );
    const unstarted = members.filter(
      (m) => !m.name || m.clientURLs.length === 0,
    );
    if (unstarted.length)
      problems.push(
        `unstarted members: ${unstarted.map((m) => m.ID).join(',')}`,
      );
    const peers = members.flatMap((m) => m.peerURLs);
    if (new Set(peers).size !== peers.length)
      problems.push('duplicate peer URLs');
    const leaders = new Set<string>();
    for (const m of members) {
      const one = cluster.client(m.clientURLs.slice(0, 1));
      try {
        const s = await one.maintenance.status();
        leaders.add(s.leader);
        if (s.errors?.length) problems.push(`${m.name}: ${s.errors.join(',')}`);
      } catch (err) {
        problems.push(`${m.name} unhealthy: ${(err as Error).message}`);
      } finally {
        one.close();
      }
    }
    if (leaders.size !== 1 || leaders.has('0'))
      problems.push(`leaders seen: ${[...leaders].join(',')}`);
    const all = await c.getAll().prefix('/lab/').strings();
    for (const [k, v] of Object.entries(expect.keys))
      if (all[k] !== v)
        problems.push(
          `key ${k} is ${JSON.stringify(all[k])}, expected ${JSON.stringify(v)}`,
        );
  } finally {
    c.close();
  }
  return problems;
}
