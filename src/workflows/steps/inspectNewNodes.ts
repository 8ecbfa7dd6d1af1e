/**
 * The new nodes' part of a preflight (the scale-out's and the replacement's): each new host over SSH
 * (etcd version, ports, service, stale data dir), the env file and certificates it would start with
 * (nodeEnv.ts), beside the cluster's safety reads (lock, machine IDs). Reads only; every problem is
 * pushed to the caller's list, so all of them are reported at once.
 */
import { isCancellation, patched } from '@temporalio/workflow';
import type { ClusterState, EnvFileRead, NodeFacts } from '../../activities';
import type { NewMember, ScaleOutRequest } from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { activitySummary } from '../run/messages';
import { sshTarget } from '../run/sshTarget';
import { clusterSafetyProblems } from './clusterLock';
import { type MemberHostReads, startMemberHostReads } from './memberHosts';
import { clusterReads, type PreparedNode, prepareNodeEnv } from './nodeEnv';

/** Runs started before the safety reads went beside the node inspections replay them after (`patched`). */
const SAFETY_IN_PARALLEL = 'preflight-safety-reads-in-parallel';
/** Runs that read each machine ID by a command of its own (readMachineId) replay that way (`patched`). */
const ONE_PROBE_PER_HOST = 'preflight-machine-id-in-node-probe';
/** Runs that probed the new nodes only once the cluster's status was read replay that way (`patched`). */
export const NODE_READS_FIRST = 'preflight-node-reads-beside-cluster-status';

const portsOf = (m: NewMember) => [
  Number(new URL(m.peerURL).port),
  Number(new URL(m.clientURL).port),
];
/** The address etcd binds on the node: where a port conflict matters. */
const bindAddressOf = (m: NewMember) => m.listenAddress ?? m.host;
const where = (m: NewMember, i: number) =>
  `newMembers[${i}] ${m.name} (${m.host})`;

/** A new host's probe (inspectNode): etcd version, ports, service, data dir and machine ID in one SSH command. */
const probe = (
  reads: ReturnType<typeof activities>,
  request: ScaleOutRequest,
  m: NewMember,
) =>
  reads.inspectNode(
    sshTarget(request, m),
    request.node,
    portsOf(m),
    bindAddressOf(m),
  );

/**
 * The reads that need only the request, started before the cluster's status is read (they waited for
 * it, ~0.1 s and a workflow task, though nothing of it goes into them): each new host's probe, its own
 * env file where it may be the env's source (envFrom "node", or "auto" and the probe finds one: read
 * beside the probe, used only then), and the lock with the probes' machine IDs. Reads only; every
 * answer is judged exactly as before, where inspectNewNodes awaits it.
 */
export interface EarlyReads {
  facts: Array<Promise<NodeFacts>>;
  ownEnv: Array<Promise<EnvFileRead> | undefined>;
  safety: Promise<string[]>;
  /** The members' hosts' env files (memberHosts.ts); undefined on runs that replay the older code. */
  memberHosts?: MemberHostReads;
}

/** `p`, its failure marked handled until it is awaited where it is judged (else it would fail the workflow task). */
const handled = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => undefined);
  return p;
};

export function startEarlyReads(request: ScaleOutRequest): EarlyReads {
  const reads = activities(
    'read',
    request.strategy,
    activitySummary('preflight'),
  );
  const facts = request.newMembers.map((m) =>
    handled(probe(reads, request, m)),
  );
  const ownEnv = request.newMembers.map((m) =>
    request.node.envFrom === 'member'
      ? undefined
      : handled(reads.readEnvFile(sshTarget(request, m), request.node.envFile)),
  );
  const ids = Promise.all(
    facts.map((f) =>
      f.then(
        (x) => x.machineId,
        () => undefined,
      ),
    ),
  );
  return {
    facts,
    ownEnv,
    safety: handled(clusterSafetyProblems(request, ids)),
    memberHosts: startMemberHostReads(request),
  };
}

/** Every early read ended: a preflight that fails before judging them leaves none running. */
export const earlyReadsSettled = (e: EarlyReads) =>
  Promise.allSettled([
    ...e.facts,
    ...e.ownEnv,
    e.safety,
    ...(e.memberHosts?.values() ?? []),
  ]);

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
  early?: EarlyReads,
): Promise<PreparedNode[]> {
  const reads = activities(
    'read',
    request.strategy,
    activitySummary('preflight'),
  );
  const shared = clusterReads(request, before, problems, early?.memberHosts);
  // Each host answers one probe (inspectNode), which reads its machine ID too: a second SSH command
  // per host (readMachineId) cost the node another session (fork, shell) for 32 bytes.
  // Reads started early (startEarlyReads) are of the newest code: one probe, the lock beside it.
  const oneProbe = early ? true : patched(ONE_PROBE_PER_HOST);
  const safetyBeside = early ? true : patched(SAFETY_IN_PARALLEL);
  // Runs of the older code asked for the lock and the machine IDs before the node inspections: replayed in that order.
  let safety =
    early?.safety ??
    (safetyBeside && !oneProbe ? clusterSafetyProblems(request) : undefined);
  const facts = request.newMembers.map(async (m, i) => {
    try {
      return await (early?.facts[i] ?? probe(reads, request, m));
    } catch (err) {
      if (isCancellation(err)) throw err; // a cancelled run is Cancelled, not a node problem
      problems.push(`${where(m, i)}: ${causeOf(err)}`);
      return undefined; // an unreachable node has no machine ID to compare either
    }
  });
  const probedIds = () =>
    oneProbe
      ? Promise.all(facts).then((fs) => fs.map((f) => f?.machineId))
      : undefined;
  // The lock does not depend on the node inspections: asked beside them.
  if (!early && safetyBeside && oneProbe)
    safety = clusterSafetyProblems(request, probedIds());
  const nodesRead = Promise.all(
    request.newMembers.map(async (m, i): Promise<PreparedNode | undefined> => {
      const read = await facts[i];
      if (!read) return undefined;
      problems.push(...nodeProblems(request, before, read, where(m, i)));
      const env = await prepareNodeEnv(
        request,
        shared,
        m,
        read,
        initialClusters[i],
        where(m, i),
        problems,
        early?.ownEnv[i],
      );
      return env && { ...read, env };
    }),
  );
  // Both awaited together, so a failed safety read never goes unhandled while the nodes are read.
  const [nodes, safetyProblems] = await Promise.all([nodesRead, safety]);
  // An unreachable node's env read is not judged (its probe's failure is): ended all the same.
  if (early) await earlyReadsSettled(early);
  problems.push(
    ...(safetyProblems ?? (await clusterSafetyProblems(request, probedIds()))),
  ); // safety: the cluster's lock, one machine per new member

  return nodes as PreparedNode[];
}
