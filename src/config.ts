/** Names other systems rely on: keep them stable. */
export const WORKFLOW_TYPE = 'scaleOutEtcd';
export const SCALE_IN_WORKFLOW_TYPE = 'scaleInEtcd';
export const REPLACE_WORKFLOW_TYPE = 'replaceEtcdMember';
/** The workflow types that change a cluster's membership: status, cancel and audit read each of them. */
export const MEMBERSHIP_WORKFLOW_TYPES: readonly string[] = [
  WORKFLOW_TYPE,
  SCALE_IN_WORKFLOW_TYPE,
  REPLACE_WORKFLOW_TYPE,
];
export const DEFAULT_TASK_QUEUE = 'etcd-scaleout';
export const taskQueue = (): string =>
  process.env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE;
// Where Temporal is and how to reach it (address, namespace, TLS, API key): src/temporal.
