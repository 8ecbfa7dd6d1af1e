/**
 * The `kubeadm-config` ConfigMap in kube-system, as its apiserver answers it: its ClusterConfiguration
 * read, and the merge patch that changes only that key's endpoints (kubeadmConfig.ts), guarded by the
 * resourceVersion it was read at (the apiserver answers 409 when someone changed it in between, and
 * the edit is computed again from what is there then).
 */
import type { EtcdServersChange } from './apiserverManifest';
import {
  type EndpointsEdit,
  KubeadmConfigRefused,
  withKubeadmEndpoints,
} from './kubeadmConfig';

export const KUBEADM_CONFIGMAP = 'kube-system/kubeadm-config';
export const CLUSTER_CONFIGURATION_KEY = 'ClusterConfiguration';
/** The label the plan, the result and the errors give the ConfigMap's copy. */
export const CONFIGMAP_LABEL = `ConfigMap ${KUBEADM_CONFIGMAP} (${CLUSTER_CONFIGURATION_KEY})`;
/** The path of the ConfigMap in the apiserver's API. */
export const CONFIGMAP_API_PATH =
  '/api/v1/namespaces/kube-system/configmaps/kubeadm-config';

export interface KubeadmConfigMap {
  resourceVersion: string;
  /** The ClusterConfiguration key's text. */
  text: string;
}

/** The ConfigMap's ClusterConfiguration from the apiserver's JSON answer; refused when it has none. */
export function parseKubeadmConfigMap(body: string): KubeadmConfigMap {
  let cm: {
    kind?: string;
    metadata?: { resourceVersion?: string };
    data?: Record<string, unknown>;
  };
  try {
    cm = JSON.parse(body);
  } catch {
    throw new KubeadmConfigRefused(
      CONFIGMAP_LABEL,
      `the apiserver's answer is not JSON: ${body.slice(0, 200)}`,
    );
  }
  const text = cm.data?.[CLUSTER_CONFIGURATION_KEY];
  if (cm.kind !== 'ConfigMap' || typeof text !== 'string')
    throw new KubeadmConfigRefused(
      CONFIGMAP_LABEL,
      `has no data.${CLUSTER_CONFIGURATION_KEY} text`,
    );
  return { resourceVersion: cm.metadata?.resourceVersion ?? '', text };
}

/** The merge patch that sets the ClusterConfiguration to `text`, only if the ConfigMap is still at `resourceVersion`. */
export function configMapPatch(resourceVersion: string, text: string): string {
  return JSON.stringify({
    metadata: { resourceVersion },
    data: { [CLUSTER_CONFIGURATION_KEY]: text },
  });
}

/** The ConfigMap's endpoints changed (see withKubeadmEndpoints), with the patch that writes it when it changes. */
export function kubeadmConfigMapEdit(
  cm: KubeadmConfigMap,
  change: EtcdServersChange,
): EndpointsEdit & { patch?: string } {
  const edit = withKubeadmEndpoints(cm.text, change, CONFIGMAP_LABEL);
  return edit.changed
    ? { ...edit, patch: configMapPatch(cm.resourceVersion, edit.text) }
    : edit;
}
