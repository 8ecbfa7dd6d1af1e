/**
 * The apiservers phase's last sub-step: the `kubeadm-config` ConfigMap's ClusterConfiguration brought
 * along once per rollout, after every apiserver was told (so the copy kubeadm writes manifests from
 * names what every apiserver runs with), through the first control-plane node's kubeconfig, on that
 * node; its original kept in the rollout's backup folder there, and put back when the rollout is undone.
 * Then the result's words for kubeadm's copies: what changed, or that the cluster has none.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ConfigMapWrite } from '../../activities';
import { ErrorType } from '../../domain/errors';
import {
  kubeadmPaths,
  manifestBackupDir,
} from '../../domain/kubernetes/controlPlane';
import { ENDPOINTS_FIELD } from '../../domain/kubernetes/kubeadmConfig';
import { CONFIGMAP_LABEL } from '../../domain/kubernetes/kubeadmConfigMap';
import { causeOf } from '../run/causeOf';
import {
  type ApiserverOutcome,
  acts,
  type Rollout,
  target,
} from './apiserverRollout';

/** Runs whose rollout ended before the ConfigMap step existed replay without it (`patched`). */
export const KUBEADM_COPIES = 'kubeadm-copies';

/** 4. The ConfigMap's endpoints changed like every manifest's; a failure names what is left by hand. */
export async function tellConfigMap(r: Rollout): Promise<ConfigMapWrite> {
  const [node] = r.cp.nodes;
  r.run.setStep(`${node.host}: updateKubeadmConfigMap`);
  try {
    return await acts(r, 'change', node.host).updateKubeadmConfigMap(
      target(r.request, node),
      kubeadmPaths(r.cp).kubeconfig,
      r.change,
      manifestBackupDir(node.manifest, r.runId),
      r.cp.kubeadm?.kubeconfig !== undefined,
    );
  } catch (err) {
    throw ApplicationFailure.create({
      type: ErrorType.KubeadmConfigRefused,
      message: `every kube-apiserver was told, but kubeadm's ${CONFIGMAP_LABEL} was not changed: ${causeOf(err)}; until it is, the next kubeadm upgrade or control-plane join writes the old list back: make the same change in its ${ENDPOINTS_FIELD} (kubectl -n kube-system edit configmap kubeadm-config)`,
      details: [
        {
          failedStep: `apiservers (${node.host}: kubeadm-config)`,
          apiservers: r.outcomes,
        },
      ],
      nonRetryable: true,
    });
  }
}

/** The undo: the ConfigMap's original back from the rollout's copy; undefined when none was kept (never changed). */
export async function restoreConfigMap(
  r: Rollout,
): Promise<string | undefined> {
  const [node] = r.cp.nodes;
  r.run.setStep(`${node.host}: restoreKubeadmConfigMap`);
  const back = await acts(r, 'compensate', node.host).restoreKubeadmConfigMap(
    target(r.request, node),
    kubeadmPaths(r.cp).kubeconfig,
    manifestBackupDir(node.manifest, r.runId),
  );
  return back.restored === 'restored'
    ? `${CONFIGMAP_LABEL} put back from this rollout's copy of the original`
    : back.restored === 'unchanged'
      ? `${CONFIGMAP_LABEL} was still the original`
      : undefined;
}

/** kubeadm's copies after the rollout, in words: what changed, what was already right, what the cluster lacks. */
export function kubeadmSummary(
  nodes: ApiserverOutcome[],
  configMap: ConfigMapWrite | undefined,
  file: string,
): string {
  const files = nodes.filter((n) => n.kubeadmConfig);
  const by = (s: string) =>
    files.filter((n) => n.kubeadmConfig?.state === s).map((n) => n.host);
  const changed = by('changed');
  const unchanged = by('unchanged');
  const absent = by('absent');
  const cm = configMap?.state;
  if (cm === 'absent' && files.length && absent.length === files.length)
    return `no kubeadm configuration: no ${CONFIGMAP_LABEL} (${configMap?.reason}) and no ${file} on any control-plane node (not a kubeadm-built control plane); nothing of kubeadm's to keep in step`;
  const parts = [
    cm === 'changed'
      ? `${CONFIGMAP_LABEL} ${ENDPOINTS_FIELD} changed`
      : cm === 'unchanged'
        ? `${CONFIGMAP_LABEL} already had the list`
        : cm === 'absent'
          ? `no ${CONFIGMAP_LABEL} (${configMap?.reason})`
          : `${CONFIGMAP_LABEL} not changed`,
    changed.length ? `${file} changed on ${changed.join(', ')}` : '',
    unchanged.length
      ? `${file} already had the list on ${unchanged.join(', ')}`
      : '',
    absent.length ? `no ${file} on ${absent.join(', ')}` : '',
  ];
  return parts.filter(Boolean).join('; ');
}
