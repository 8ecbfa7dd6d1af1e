/**
 * All activities, built from their dependencies. The worker wires the real ones; tests wire the same
 * real clients against their own clusters and hosts. Nothing here is global.
 */
import { createBackupActivities } from './backup';
import type { CheckpointHook } from './checkpoints';
import {
  createEtcdActivities,
  type EtcdConnect,
  etcdConnector,
} from './etcd/activities';
import { createKubeActivities } from './kube/activities';
import { createNodeActivities } from './node/activities';
import { createCertificateActivities } from './node/certificates';
import { createEnvSourceActivities } from './node/envSource';
import { createSshRunner, type SshRunner } from './node/ssh';
import { createNotifyActivities } from './notify';
import {
  createProfileActivities,
  type ProfileSettings,
  profileSettingsFromEnv,
} from './profiles';

export interface ActivityDeps {
  connect?: EtcdConnect;
  ssh?: SshRunner;
  /** Called at the named crash points (src/activities/checkpoints.ts); none in production. */
  checkpoint?: CheckpointHook;
  /** The cluster profiles' folder and the inline setting (default: the worker's environment). */
  profiles?: ProfileSettings;
}

export function createActivities(deps: ActivityDeps = {}) {
  const connect = deps.connect ?? etcdConnector();
  const ssh = deps.ssh ?? createSshRunner();
  const { checkpoint } = deps;
  const profiles = deps.profiles ?? profileSettingsFromEnv();
  const etcd = createEtcdActivities({ connect, checkpoint });
  return {
    ...etcd,
    ...createNodeActivities({ ssh, checkpoint }),
    ...createKubeActivities({ ssh, checkpoint }),
    ...createEnvSourceActivities({ ssh }),
    ...createCertificateActivities({ ssh }),
    ...createBackupActivities({ etcd, connect, checkpoint }),
    ...createNotifyActivities(),
    ...createProfileActivities(profiles),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { BackupRecord } from './backup';
export type { ClusterRef, ClusterState, MemberStatus } from './etcd/activities';
export type { AddedLearner } from './etcd/membership';
export type {
  ApiserverExpectation,
  ApiserverReady,
  ConfigMapWrite,
  KubeadmFileWrite,
  ManifestWrite,
  ReadyzTarget,
} from './kube/activities';
export type { NodeFacts, NodePaths } from './node/activities';
export type { CertificateAuthorityRef } from './node/certificates';
export type { EnvFileRead } from './node/envSource';
export type { SshTarget } from './node/ssh';
export type { ProfileSettings } from './profiles';
