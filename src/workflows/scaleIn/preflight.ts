/**
 * The scale-in's preflight: reads only, every problem at once, before any change. The cluster as
 * etcd reports it (each member asked alone), the plan (domain/planning/scaleIn.ts: names resolved
 * exactly to IDs, the quorum math of each step against the members unhealthy now), no leader or a
 * raised alarm refused, and the cluster's lock (one run that changes membership per cluster).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ClusterState } from '../../activities';
import { ErrorType } from '../../domain/errors';
import {
  checkMemberData,
  planOrProblem,
  planScaleIn,
  type ScaleInPlan,
} from '../../domain/planning';
import { leaderAndAlarmProblems } from '../../domain/planning/clusterHealth';
import type { ScaleInRequest } from '../../domain/request/scaleInRequest';
import { activities } from '../run/activityPolicies';
import { activitySummary } from '../run/messages';

export interface ScaleInPreflight {
  before: ClusterState;
  plan: ScaleInPlan;
}

export async function scaleInPreflight(
  request: ScaleInRequest,
): Promise<ScaleInPreflight> {
  const reads = activities(
    'read',
    request.strategy,
    activitySummary('preflight'),
  );
  const [before, lock] = await Promise.all([
    reads.inspectCluster(request.cluster),
    reads.readScaleOutLock(request.cluster),
  ]);
  const problems = leaderAndAlarmProblems(before);
  if (lock.refusal) problems.push(lock.refusal);
  const plan = planOrProblem(problems, () => {
    for (const m of before.members) checkMemberData(m);
    return planScaleIn({
      cluster: request.cluster.name,
      members: before.members,
      remove: request.removeMembers,
      endpoints: request.cluster.endpoints,
      allowEvenSize: request.strategy.allowEvenSize,
      allowNoFaultTolerance: request.strategy.allowNoFaultTolerance,
    });
  });
  if (problems.length || !plan)
    throw ApplicationFailure.create({
      type: ErrorType.PreflightFailed,
      message: `preflight refused the scale-in of ${request.cluster.name}: ${problems.join('; ')}`,
      details: [{ problems }],
      nonRetryable: true,
    });
  return { before, plan };
}
