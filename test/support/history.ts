/**
 * What a run did, read from its history through the audit report (`buildAuditReport`, the same
 * reading the CLI and the API give operators), instead of walking history events by hand.
 */
import { Client, type WorkflowHandle } from '@temporalio/client';
import {
  type AuditActivity,
  type AuditReport,
  buildAuditReport,
} from '../../src/audit';
import type { scaleOutEtcd } from '../../src/workflows';

type RunHandle = WorkflowHandle<typeof scaleOutEtcd>;

/** The audit report of this handle's workflow (its latest run), through the handle's own connection (any test server). */
export async function auditOf(handle: WorkflowHandle): Promise<AuditReport> {
  const client = new Client({
    connection: handle.client.connection,
    namespace: handle.client.options.namespace,
  });
  return buildAuditReport(client, handle.workflowId);
}

/** The run's activities, in the order they were scheduled, optionally of one type only. */
export async function activitiesOf(
  handle: RunHandle,
  activityType?: string,
): Promise<AuditActivity[]> {
  const { activities } = await auditOf(handle);
  return activityType
    ? activities.filter((a) => a.name === activityType)
    : activities;
}

/** With FAULTS_TIMELINE=1: each activity of the run with its seconds from the run's start, attempts and outcome. */
export async function printTimeline(handle: RunHandle): Promise<void> {
  if (!process.env.FAULTS_TIMELINE) return;
  const report = await auditOf(handle);
  const t0 = Date.parse(report.startedAt);
  const at = (iso?: string) =>
    (iso ? ((Date.parse(iso) - t0) / 1000).toFixed(1) : '?').padStart(6);
  for (const a of report.activities) {
    const how =
      a.outcome === 'completed'
        ? 'ok'
        : `${a.outcome}${a.failure ? `: ${a.failure.message.slice(0, 160)}` : ''}`;
    console.log(
      `        ${at(a.scheduledAt)}s -> ${at(a.closedAt)}s ${a.name}${a.summary ? ` (${a.summary})` : ''} attempt ${a.attempts}: ${how}`,
    );
  }
}
