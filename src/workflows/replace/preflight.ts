/**
 * The replacement's preflight: reads only, every problem at once, before any change. The cluster as
 * etcd reports it (each member asked alone), the plan (domain/planning/replace.ts: the member resolved
 * by its exact name to its ID and peer URL, the path from its health, the quorum math), the new node
 * over SSH with the env file and certificates it would start with, and the cluster's lock: the
 * scale-out's own node inspection (steps/inspectNewNodes.ts). A member that is down is what this workflow is
 * for: only the other members' health is held against the run, by the plan's numbers.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ClusterState } from '../../activities';
import { ErrorType } from '../../domain/errors';
import {
  checkMemberData,
  planOrProblem,
  planReplace,
  type ReplacePlan,
} from '../../domain/planning';
import { leaderAndAlarmProblems } from '../../domain/planning/clusterHealth';
import type { ReplaceRequest } from '../../domain/request/replaceRequest';
import { activities } from '../run/activityPolicies';
import { activitySummary } from '../run/messages';
import { inspectNewNodes } from '../steps/inspectNewNodes';
import type { PreparedNode } from '../steps/nodeEnv';

export interface ReplacePreflight {
  before: ClusterState;
  plan: ReplacePlan;
  node: PreparedNode;
}

export async function replacePreflight(
  request: ReplaceRequest,
): Promise<ReplacePreflight> {
  const before = await activities(
    'read',
    request.strategy,
    activitySummary('preflight'),
  ).inspectCluster(request.cluster);
  const problems = leaderAndAlarmProblems(before);
  const plan = planOrProblem(problems, () => {
    for (const m of before.members) checkMemberData(m);
    return planReplace({
      cluster: request.cluster.name,
      members: before.members,
      leaderId: before.leaderId,
      replace: request.replaceMember,
      newMember: request.newMembers[0],
      endpoints: request.cluster.endpoints,
    });
  });
  const [node] = await inspectNewNodes(
    request,
    before,
    [plan?.initialCluster],
    problems,
  );
  if (problems.length || !plan)
    throw ApplicationFailure.create({
      type: problems.some((p) => p.includes('stale data dir'))
        ? ErrorType.StaleDataDir
        : ErrorType.PreflightFailed,
      message: `preflight refused the replacement of ${request.replaceMember} in ${request.cluster.name}: ${problems.join('; ')}`,
      details: [{ problems }],
      nonRetryable: true,
    });
  return { before, plan, node };
}
