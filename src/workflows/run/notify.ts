/** notify: tell the ticketing system how the run ended (optional; never changes the outcome, never cancelled). */
import { CancellationScope, log, workflowInfo } from '@temporalio/workflow';
import { shownWebhookUrl } from '../../domain/notify/webhookUrl';
import type { ClusterSettings } from '../../domain/request/request';
import type { ScaleOutResult } from '../scaleOut/result';
import { activities } from './activityPolicies';
import { causeOf } from './causeOf';
import { activitySummary } from './messages';

export async function notify(
  request: ClusterSettings,
  payload: Record<string, unknown>,
): Promise<ScaleOutResult['notification']> {
  const target = request.notify;
  if (!target) return undefined;
  const { workflowId, runId } = workflowInfo();
  return CancellationScope.nonCancellable(async () => {
    try {
      const body = {
        workflowId,
        runId,
        cluster: request.cluster.name,
        ticket: request.ticket ?? null,
        ...payload,
      };
      const r = await activities(
        'notify',
        request.strategy,
        activitySummary('notify'),
      ).notifyWebhook(target.webhookUrl, target.secretFile, body, {
        allowPrivateTargets: target.allowPrivateTargets,
      });
      return { delivered: true, status: r.status };
    } catch (err) {
      log.error(
        `webhook ${shownWebhookUrl(target.webhookUrl)} not notified: ${causeOf(err)}`,
      );
      return { delivered: false, error: causeOf(err) };
    }
  });
}
