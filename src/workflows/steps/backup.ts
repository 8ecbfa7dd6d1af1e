/**
 * backup: a verified snapshot just before the first change, for every workflow. The file name carries
 * the run ID, so each run takes its own and only a retry of the same run reuses it.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { BackupRecord } from '../../activities';
import type { ClusterSettings } from '../../domain/request/request';
import { fileSafe } from '../../domain/run/runNames';
import { activities } from '../run/activityPolicies';
import { activitySummary } from '../run/messages';

export async function backup(request: ClusterSettings): Promise<BackupRecord> {
  const { workflowId, runId } = workflowInfo();
  const stem = `${request.cluster.name}-${fileSafe(workflowId)}-${fileSafe(runId)}`;
  return activities(
    'backup',
    request.strategy,
    activitySummary('backup'),
  ).takeSnapshot(request.cluster, request.backup.dir, stem, runId);
}
