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
  PlanError,
  planScaleIn,
  type ScaleInPlan,
} from '../../domain/planning';
import type { ScaleInRequest } from '../../domain/scaleInRequest';
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
  const problems: string[] = [];
  if (!before.leaderId)
    problems.push('the cluster has no leader its members agree on');
  if (before.alarms.length)
    problems.push(`alarms raised: ${before.alarms.join(', ')}`);
  if (lock.refusal) problems.push(lock.refusal);
  let plan: ScaleInPlan | undefined;
  try {
    for (const m of before.members) checkMemberData(m);
    plan = planScaleIn({
      cluster: request.cluster.name,
      members: before.members,
      remove: request.removeMembers,
      endpoints: request.cluster.endpoints,
      allowEvenSize: request.strategy.allowEvenSize,
      allowNoFaultTolerance: request.strategy.allowNoFaultTolerance,
    });
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    problems.push(err.message);
  }
  if (problems.length || !plan)
    throw ApplicationFailure.create({
      type: ErrorType.PreflightFailed,
      message: `preflight refused the scale-in of ${request.cluster.name}: ${problems.join('; ')}`,
      details: [{ problems }],
      nonRetryable: true,
    });
  return { before, plan };
}
