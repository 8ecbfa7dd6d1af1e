/**
 * A rollout of the kube-apiservers' lists that a run can take back: the scale-in's and the
 * replacement's, before their point of no return. The rollout itself is tellApiservers.ts's.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorType } from '../../domain/errors';
import type { EtcdServersChange } from '../../domain/kubernetes/apiserverManifest';
import type { ClusterSettings } from '../../domain/request/request';
import type { Run } from '../run/run';
import {
  type ApiserversResult,
  notTold,
  restoreApiservers,
  tellApiservers,
} from './tellApiservers';

/**
 * One rollout of the lists (`rollout` names its saved originals). `undoable`: before the point of no
 * return its undo (every node's original back, one at a time) is registered before the first node is
 * touched. A rollout that stops before a node (an apiserver not ready) fails the step: nothing more is
 * changed on any node.
 */
export async function changeLists(
  run: Run,
  request: ClusterSettings,
  change: EtcdServersChange,
  rollout: string,
  undoable = true,
): Promise<ApiserversResult> {
  if (!request.controlPlane?.nodes.length) return notTold(change);
  if (undoable)
    run.compensations.register(
      `restore the kube-apiservers' --etcd-servers (${rollout})`,
      (record) => restoreApiservers(run, request, rollout, record),
    );
  const told = await tellApiservers(run, request, change, rollout);
  if (told.told !== 'all')
    throw ApplicationFailure.create({
      type: ErrorType.ApiserverRolloutFailed,
      message: told.reason ?? 'not every kube-apiserver was told',
      details: [{ apiservers: told }],
      nonRetryable: true,
    });
  return told;
}
