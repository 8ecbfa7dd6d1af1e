/**
 * The control-plane adapter: what happens on a control-plane node for the kube-apiservers, over SSH
 * (the manifest, the apiserver process, kubeadm's copies of the etcd list) and https (its /readyz).
 * Every activity is idempotent.
 */
import { type CheckpointHook, noCheckpoint } from '../checkpoints';
import { remote as remoteOver } from '../node/remote';
import type { SshRunner } from '../node/ssh';
import { createApiserverActivities } from './apiserver';
import { createKubeadmConfigMapActivities } from './kubeadmConfigMap';
import { createManifestActivities } from './manifest';

export type { ApiserverExpectation, ApiserverReady } from './apiserver';
export type { ConfigMapRead, ConfigMapWrite } from './kubeadmConfigMap';
export type { KubeadmFileRestore, KubeadmFileWrite } from './kubeadmFile';
export type { ManifestWrite } from './manifest';
export type { ReadyzTarget } from './readyz';

export function createKubeActivities(deps: {
  ssh: SshRunner;
  checkpoint?: CheckpointHook;
}) {
  const remote = remoteOver(deps.ssh);
  const checkpoint = deps.checkpoint ?? noCheckpoint;
  return {
    ...createManifestActivities({ remote, checkpoint }),
    ...createApiserverActivities({ remote, checkpoint }),
    ...createKubeadmConfigMapActivities({ remote }),
  };
}
