/**
 * The new nodes' part of a preflight (the scale-out's and the replacement's): each new host over SSH
 * (etcd version, ports, service, stale data dir), the env file and certificates it would start with
 * (nodeEnv.ts), beside the cluster's safety reads (lock, machine IDs). Reads only; every problem is
 * pushed to the caller's list, so all of them are reported at once.
 */
import { isCancellation, patched } from '@temporalio/workflow';
import type { ClusterState, NodeFacts } from '../../activities';
import type { NewMember, ScaleOutRequest } from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { activitySummary } from '../run/messages';
import { sshTarget } from '../run/sshTarget';
import { clusterSafetyProblems } from './clusterLock';
import { clusterReads, type PreparedNode, prepareNodeEnv } from './nodeEnv';

/** Runs started before the safety reads went beside the node inspections replay them after (`patched`). */
const SAFETY_IN_PARALLEL = 'preflight-safety-reads-in-parallel';

const portsOf = (m: NewMember) => [
  Number(new URL(m.peerURL).port),
  Number(new URL(m.clientURL).port),
];
/** The address etcd binds on the node: where a port conflict matters. */
const bindAddressOf = (m: NewMember) => m.listenAddress ?? m.host;
const where = (m: NewMember, i: number) =>
  `newMembers[${i}] ${m.name} (${m.host})`;

function nodeProblems(
  request: ScaleOutRequest,
  before: ClusterState,
  n: NodeFacts,
  at: string,
): string[] {
  const problems: string[] = [];
  if (!n.etcdVersion)
    problems.push(
      `${at}: ${request.node.etcdBinary} --version gave no etcd version: ${n.etcdVersionOutput}`,
    );
  else if (before.version && n.etcdVersion !== before.version)
    problems.push(
      `${at}: etcd ${n.etcdVersion} on the node, ${before.version} in the cluster; install the same version first`,
    );
  for (const c of n.portConflicts)
    problems.push(
      `${at}: port ${c.wanted} is already in use (listening on ${c.address}:${c.port})`,
    );
  if (n.serviceActive)
    problems.push(
      `${at}: service ${request.node.service} is already running; stop it first (a running etcd on a new node is another cluster or a failed attempt)`,
    );
  if (n.memberDir && request.strategy.staleDataDir === 'fail') {
    problems.push(
      `${at}: stale data dir ${request.node.dataDir}/member (${n.memberDir.kind}: ${n.memberDir.entries.join(',') || 'empty'}) would make etcd rejoin an old cluster; move it aside or use strategy.staleDataDir "quarantine"`,
    );
  }
  return problems;
}

/**
 * Each new node over SSH (etcd version, ports, service, stale data dir) and the env file and
 * certificates it would start with (`initialClusters[i]`: its ETCD_INITIAL_CLUSTER, undefined when
 * the plan was refused), beside the cluster's safety reads (lock, machine IDs). Every problem is
 * pushed to `problems`; the scale-out's and the replacement's preflights both call it.
 */
export async function inspectNewNodes(
  request: ScaleOutRequest,
  before: ClusterState,
  initialClusters: Array<string | undefined>,
  problems: string[],
): Promise<PreparedNode[]> {
  const reads = activities(
    'read',
    request.strategy,
    activitySummary('preflight'),
  );
  const shared = clusterReads(request, before, problems);
  // The lock and the machine IDs do not depend on the node inspections: asked beside them.
  const safety = patched(SAFETY_IN_PARALLEL)
    ? clusterSafetyProblems(request)
    : undefined;
  const nodesRead = Promise.all(
    request.newMembers.map(async (m, i): Promise<PreparedNode | undefined> => {
      let facts: NodeFacts;
      try {
        facts = await reads.inspectNode(
          sshTarget(request, m),
          request.node,
          portsOf(m),
          bindAddressOf(m),
        );
      } catch (err) {
        if (isCancellation(err)) throw err; // a cancelled run is Cancelled, not a node problem
        problems.push(`${where(m, i)}: ${causeOf(err)}`);
        return undefined;
      }
      problems.push(...nodeProblems(request, before, facts, where(m, i)));
      const env = await prepareNodeEnv(
        request,
        shared,
        m,
        facts,
        initialClusters[i],
        where(m, i),
        problems,
      );
      return env && { ...facts, env };
    }),
  );
  // Both awaited together, so a failed safety read never goes unhandled while the nodes are read.
  const [nodes, safetyProblems] = await Promise.all([nodesRead, safety]);
  problems.push(...(safetyProblems ?? (await clusterSafetyProblems(request)))); // safety: the cluster's lock, one machine per new member

  return nodes as PreparedNode[];
}
