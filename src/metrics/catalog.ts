/**
 * Every metric etcd-scaleout itself exports, in one place: name, kind, unit, labels and help text.
 * The worker's series go through the Temporal SDK's metric meter (workflow code: src/workflows/run/
 * metrics.ts; activities: src/activities/metrics.ts) and are served by the SDK runtime's Prometheus
 * exporter beside the SDK's own `temporal_*` series; the API's are served by src/api/metrics.ts.
 * deploy/prometheus/ (alert rules) and docs/metrics.md refer to these names. Pure: workflow code
 * imports it.
 *
 * Names are as Prometheus shows them. The worker's exporter adds `_total` to counters
 * (countersTotalSuffix), so a counter's meter name is its name without `_total` (`meterName`). Labels
 * the SDK adds by itself are listed too: `namespace`, `taskQueue`, and `workflowType` (workflow
 * metrics) or `activityType` (activity metrics).
 */

export type MetricKind = 'counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  /** As Prometheus shows it. */
  name: string;
  kind: MetricKind;
  /** Unit, for the SDK's meter: 's', 'By' or undefined for a count. */
  unit?: 's' | 'By';
  /** Every label of the series, the SDK's included. */
  labels: readonly string[];
  help: string;
  /** Histogram bucket bounds (in the metric's unit). */
  buckets?: readonly number[];
}

const WORKFLOW_LABELS = ['namespace', 'taskQueue', 'workflowType'] as const;
const ACTIVITY_LABELS = ['namespace', 'taskQueue', 'activityType'] as const;

/** Seconds, from a phase that reads one member to a backup of gigabytes or a long approval. */
const PHASE_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600, 14400];
/** A member's join and an apiserver's restart: seconds to minutes. */
const STEP_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

/** Served by the worker, through the SDK's metric meter. */
export const WORKER_METRICS = {
  runsStarted: {
    name: 'etcd_scaleout_runs_started_total',
    kind: 'counter',
    labels: WORKFLOW_LABELS,
    help: 'Runs started (counted when the run first executes), by workflow type.',
  },
  runsCompleted: {
    name: 'etcd_scaleout_runs_completed_total',
    kind: 'counter',
    labels: WORKFLOW_LABELS,
    help: 'Runs that completed successfully, by workflow type.',
  },
  runsFailed: {
    name: 'etcd_scaleout_runs_failed_total',
    kind: 'counter',
    labels: [...WORKFLOW_LABELS, 'failure_type'],
    help: "Runs that failed, by workflow type and the failure's type (ErrorType, e.g. ScaleOutFailed, Cancelled, InvalidRequest).",
  },
  phaseDuration: {
    name: 'etcd_scaleout_phase_duration_seconds',
    kind: 'histogram',
    unit: 's',
    labels: [...WORKFLOW_LABELS, 'phase', 'outcome'],
    help: 'Time spent in each phase of a run (workflow time), recorded when the phase ends; outcome is ok, or failed when the run left it for rollback or failed.',
    buckets: PHASE_BUCKETS,
  },
  phaseSince: {
    name: 'etcd_scaleout_run_phase_since_timestamp_seconds',
    kind: 'gauge',
    labels: [...WORKFLOW_LABELS, 'workflow_id', 'phase'],
    help: "Unix time at which the run entered this phase. The run's current phase is its series with the highest value (done and failed are phases too); a later phase never has a lower value.",
  },
  memberJoinDuration: {
    name: 'etcd_scaleout_member_join_duration_seconds',
    kind: 'histogram',
    unit: 's',
    labels: [...WORKFLOW_LABELS, 'stage'],
    help: "Time from the start of a member's join to its verification (learner added, service started, caught up, promoted, verified), by stage (canary, batch).",
    buckets: STEP_BUCKETS,
  },
  apiserverNodeDuration: {
    name: 'etcd_scaleout_apiserver_node_duration_seconds',
    kind: 'histogram',
    unit: 's',
    labels: [...WORKFLOW_LABELS, 'result'],
    help: "Time per control-plane node to write kube-apiserver's new --etcd-servers and see it ready for the settle period; result is told or unchanged.",
    buckets: STEP_BUCKETS,
  },
  backupDuration: {
    name: 'etcd_scaleout_backup_duration_seconds',
    kind: 'histogram',
    unit: 's',
    labels: [...ACTIVITY_LABELS, 'cluster'],
    help: "Time to take and verify a run's snapshot (the backup phase's activity).",
    buckets: PHASE_BUCKETS,
  },
  backupSize: {
    name: 'etcd_scaleout_backup_size_bytes',
    kind: 'gauge',
    labels: [...ACTIVITY_LABELS, 'cluster'],
    help: "Size of the cluster's last snapshot taken by a run, in bytes.",
  },
} as const satisfies Record<string, MetricDefinition>;

/** Served by the API (src/api/metrics.ts). */
export const API_METRICS = {
  apiRequests: {
    name: 'etcd_scaleout_api_requests_total',
    kind: 'counter',
    labels: ['route', 'method', 'status'],
    help: 'HTTP requests the API answered, by route template (unmatched for none), method and status code.',
  },
  apiRequestDuration: {
    name: 'etcd_scaleout_api_request_duration_seconds',
    kind: 'histogram',
    unit: 's',
    labels: ['route', 'method'],
    help: 'Time the API took to answer a request, by route template and method.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
} as const satisfies Record<string, MetricDefinition>;

export const METRICS = { ...WORKER_METRICS, ...API_METRICS };

/** The name to give the SDK's meter: counters without `_total`, which the exporter adds. */
export const meterName = (m: MetricDefinition): string =>
  m.kind === 'counter' ? m.name.replace(/_total$/, '') : m.name;

/** The worker's histograms' bucket bounds, for the runtime's Prometheus exporter (by meter name). */
export const workerHistogramBuckets = (): Record<string, number[]> =>
  Object.fromEntries(
    Object.values(WORKER_METRICS as Record<string, MetricDefinition>)
      .filter((m) => m.kind === 'histogram')
      .map((m) => [meterName(m), [...(m.buckets ?? [])]]),
  );
