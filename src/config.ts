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
export const temporalAddress = (): string =>
  process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233';
export const temporalNamespace = (): string =>
  process.env.TEMPORAL_NAMESPACE || 'default';
