/**
 * What the apiservers phase's files share (tellApiservers.ts runs it, apiserverRestore.ts puts a node
 * back, kubeadmConfigMap.ts brings the ConfigMap along): the rollout's state, its result's shape, the
 * way a node is reached and asked, and the words for the change left to make by hand.
 */
import type {
  ConfigMapWrite,
  KubeadmFileWrite,
  SshTarget,
} from '../../activities';
import type { EtcdServersChange } from '../../domain/kubernetes/apiserverManifest';
import type {
  ControlPlane,
  ControlPlaneNode,
} from '../../domain/kubernetes/controlPlane';
import { ENDPOINTS_FIELD } from '../../domain/kubernetes/kubeadmConfig';
import { KUBEADM_CONFIGMAP } from '../../domain/kubernetes/kubeadmConfigMap';
import type { ClusterSettings } from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { activitySummary } from '../run/messages';
import type { Run } from '../run/run';
import { hostSshTarget } from '../run/sshTarget';

export interface ApiserverOutcome {
  host: string;
  manifest: string;
  /** told: restarted with the new list; unchanged: it had it already; not-told: left as it was. */
  state: 'told' | 'unchanged' | 'not-told';
  etcdServers?: string[];
  /** From the write until it ran with the new list and answered ready (the settle period then began). */
  readyAfterMs?: number;
  /** From the write to the end of the settle period. */
  totalMs?: number;
  /** The node's kubeadm ClusterConfiguration file, changed with its manifest (absent: the node has none). */
  kubeadmConfig?: KubeadmFileWrite;
}

export interface ApiserversResult {
  told: 'all' | 'some' | 'none';
  nodes: ApiserverOutcome[];
  /** Why not every apiserver was told, and what is left to do. */
  reason?: string;
  /** The kubeadm-config ConfigMap, changed once every apiserver was told (absent: the cluster has none). */
  kubeadmConfigMap?: ConfigMapWrite;
  /** kubeadm's copies of the list in words: what changed, or that the cluster has none. */
  kubeadm?: string;
}

export interface Rollout {
  run: Run;
  request: ClusterSettings;
  cp: ControlPlane;
  change: EtcdServersChange;
  runId: string;
  outcomes: ApiserverOutcome[];
}

export const target = (
  request: ClusterSettings,
  n: ControlPlaneNode,
): SshTarget => hostSshTarget(request, n.host, n.sshPort ?? request.ssh.port);

export const probeOf = (n: ControlPlaneNode) => ({
  readyzURL: n.readyzURL,
  tls: n.tls,
});

export const acts = (
  r: Pick<Rollout, 'request'>,
  policy: 'read' | 'change' | 'apiserverWait' | 'compensate',
  host: string,
) =>
  activities(policy, r.request.strategy, activitySummary('apiservers', host));

/** The same change in kubeadm's copies, in words, for whoever makes it by hand. */
export const kubeadmByHand = (file: string) =>
  `the same change in ${ENDPOINTS_FIELD} of the ${KUBEADM_CONFIGMAP} ConfigMap (key ClusterConfiguration) and of each node's ${file} where kubeadm built the control plane`;

/**
 * What the apiservers of a run without control-plane nodes are told: nothing, and the result says so,
 * with the change to make by hand: the members to append to or take out of each list (never a whole
 * list to paste, which would drop the members the change does not name).
 */
export const notTold = (change: EtcdServersChange): ApiserversResult => {
  const edits = [
    change.add?.length ? `append ${change.add.join(',')}` : '',
    change.remove?.length ? `take out ${change.remove.join(',')}` : '',
  ].filter(Boolean);
  return {
    told: 'none',
    nodes: [],
    reason: `the profile names no control-plane nodes (controlPlane.nodes): the kube-apiservers were not told; on each control-plane node, one at a time, ${edits.join(' and ')} in the --etcd-servers of its kube-apiserver manifest (keeping the other members in their order) and wait until it is ready; then ${kubeadmByHand('/etc/kubernetes/kubeadm-config.yaml')}`,
  };
};

export const describeChange = (c: EtcdServersChange) =>
  [
    c.add?.length ? `add ${c.add.join(',')} to --etcd-servers` : '',
    c.remove?.length ? `remove ${c.remove.join(',')} from --etcd-servers` : '',
  ]
    .filter(Boolean)
    .join(' and ');
