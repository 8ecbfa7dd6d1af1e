/** This run's key on the nodes: names the env file's saved original and the issued-certificates manifest. */
import { workflowInfo } from '@temporalio/workflow';
import { fileSafe } from '../../domain/run/runNames';

export const runKey = (): string =>
  `etcd-scaleout-${fileSafe(workflowInfo().workflowId)}`;
