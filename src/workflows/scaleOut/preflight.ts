/**
 * preflight: reads only, and every problem found is reported at once, before any change: the
 * cluster's health, the plan against the live member list, each new host over SSH, and the env file
 * and certificates each new member would start with (steps/inspectNewNodes.ts, steps/nodeEnv.ts).
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { ClusterState } from '../../activities';
import { ErrorType } from '../../domain/errors';
import {
  planOrProblem,
  planScaleOut,
  type ScaleOutPlan,
} from '../../domain/planning';
import { clusterProblems } from '../../domain/planning/clusterHealth';
import type { ScaleOutRequest } from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { activitySummary } from '../run/messages';
import {
  earlyReadsSettled,
  inspectNewNodes,
  NODE_READS_FIRST,
  startEarlyReads,
} from '../steps/inspectNewNodes';
import { memberHostWarnings } from '../steps/memberHosts';
import type { PreparedNode } from '../steps/nodeEnv';

export interface Preflight {
  before: ClusterState;
  plan: ScaleOutPlan;
  nodes: PreparedNode[];
}

export async function preflight(request: ScaleOutRequest): Promise<Preflight> {
  const reads = activities(
    'read',
    request.strategy,
    activitySummary('preflight'),
  );
  // The new nodes' probes and the lock need only the request: asked beside the cluster's status.
  const early = patched(NODE_READS_FIRST)
    ? startEarlyReads(request)
    : undefined;
  let before: ClusterState;
  try {
    before = await reads.inspectCluster(request.cluster);
  } catch (err) {
    if (early) await earlyReadsSettled(early);
    throw err;
  }
  const problems = clusterProblems(before);

  const plan = planOrProblem(problems, () =>
    planScaleOut(request, before.members),
  );

  const nodes = await inspectNewNodes(
    request,
    before,
    request.newMembers.map((_, i) => plan?.steps[i].initialCluster),
    problems,
    early,
  );
  const hostWarnings = await memberHostWarnings(request, early?.memberHosts);
  plan?.warnings.push(...hostWarnings);

  if (problems.length || !plan) {
    const type = problems.some((p) => p.includes('stale data dir'))
      ? ErrorType.StaleDataDir
      : ErrorType.PreflightFailed;
    throw ApplicationFailure.create({
      type,
      message: `preflight refused the scale-out of ${request.cluster.name}: ${problems.join('; ')}`,
      details: [problems],
      nonRetryable: true,
    });
  }
  return { before, plan, nodes };
}
