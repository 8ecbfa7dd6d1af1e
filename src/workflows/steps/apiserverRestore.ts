/**
 * A node of the apiservers phase put back (tellApiservers.ts step 2 failed or the rollout is undone):
 * its original manifest and kubeadm ClusterConfiguration file from this rollout's copies, then its
 * apiserver waited for until ready again with the original list; and the run's typed failure naming
 * the node, the cause, what was changed and restored, and the nodes already told.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ManifestWrite } from '../../activities';
import { ErrorType } from '../../domain/errors';
import {
  type ControlPlaneNode,
  kubeadmPaths,
} from '../../domain/kubernetes/controlPlane';
import { causeOf } from '../run/causeOf';
import { acts, probeOf, type Rollout, target } from './apiserverRollout';

/** The node's original manifest (and kubeadm file) back, then ready again with the original list. */
export async function restore(
  r: Rollout,
  node: ControlPlaneNode,
): Promise<{ ok: boolean; text: string }> {
  const settleMs = r.cp.settleSeconds * 1000;
  const deadline = Date.now() + r.cp.readyTimeoutSeconds * 1000 + settleMs;
  let what = '';
  try {
    const back = await acts(
      r,
      'compensate',
      node.host,
    ).restoreApiserverManifest(
      target(r.request, node),
      node.manifest,
      r.runId,
      kubeadmPaths(r.cp).configFile,
    );
    what =
      back.restored === 'restored'
        ? `${node.manifest} put back from this run's copy of the original`
        : back.restored === 'unchanged'
          ? `${node.manifest} was still the original`
          : `nothing to restore (${node.manifest} was not touched)`;
    if (back.kubeadm?.restored === 'restored')
      what += `, ${back.kubeadm.file} put back too`;
    r.run.setStep(`${node.host}: waitUntilReadyAgain`);
    await acts(r, 'apiserverWait', node.host).waitForApiserver(
      target(r.request, node),
      probeOf(node),
      { etcdServers: back.etcdServers, settleMs, deadline },
    );
    return { ok: true, text: `${what}; its kube-apiserver is ready again` };
  } catch (err) {
    return {
      ok: false,
      text: `${what || `${node.manifest} NOT restored`}; its kube-apiserver is NOT ready again (${causeOf(err)}): on ${node.host}, put back the originals kept outside the manifests folder (etcd-scaleout-backups/${r.runId}) and check the kubelet`,
    };
  }
}

export function rolloutFailed(
  r: Rollout,
  i: number,
  node: ControlPlaneNode,
  cause: string,
  written: ManifestWrite | undefined,
  restored: string,
  cancelled: boolean,
): ApplicationFailure {
  const done = r.outcomes.slice(0, i).map((o) => o.host);
  const notTouched = r.cp.nodes.slice(i + 1).map((n) => n.host);
  const kubeadm =
    written?.kubeadm?.state === 'changed'
      ? ` and ${written.kubeadm.file} etcd.external.endpoints`
      : '';
  const changed = written
    ? written.written
      ? `${node.manifest} --etcd-servers from ${written.original.join(',')} to ${written.etcdServers.join(',')}${kubeadm}`
      : `nothing (${node.manifest} had the new list already)`
    : `${node.manifest} --etcd-servers, if the write got through`;
  const message =
    `telling the kube-apiservers stopped at ${node.host}${cancelled ? ' (cancelled)' : ''}: ${cause}; changed: ${changed}; restored: ${restored}; ` +
    `already told: ${done.length ? done.join(', ') : 'none'}; not touched: ${notTouched.length ? notTouched.join(', ') : 'none'}; ` +
    'the etcd members stay (healthy; the old list still reaches them)';
  return ApplicationFailure.create({
    // A cancel is the run's outcome, as in every other phase: the node is put back all the same.
    type: cancelled ? ErrorType.Cancelled : ErrorType.ApiserverRolloutFailed,
    message,
    details: [
      {
        failedStep: `apiservers (${node.host})`,
        node: node.host,
        cause,
        changed,
        restored,
        told: done,
        notTouched,
        apiservers: r.outcomes,
      },
    ],
    nonRetryable: true,
  });
}
