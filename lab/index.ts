/**
 * The lab: a real 3-member etcd cluster plus fresh SSH test hosts, all on loopback addresses of one
 * block (127.0.B.x), for the demo and the integration tests; any etcd version of lab/etcd-versions,
 * over plain http or Kubespray-shaped mutual TLS. It also checks the invariants that every run must
 * leave behind. This module is what the tests and scripts import: the lab itself is in lab.ts.
 */
export {
  type ControlPlaneNodeFacts,
  LabControlPlane,
  MANIFEST_PATH,
  type ReadinessReport,
} from './controlPlane';
export { type ClientTlsFiles, LabEtcdCluster } from './etcdCluster';
export { type EtcdRelease, etcdRelease, etcdReleases } from './etcdVersions';
export { KUBESPRAY_TUNING, renderKubesprayEnv } from './kubespray';
export { type HostEnvShape, Lab, type LabOptions } from './lab';
export { LABS_ROOT, removeLabDir } from './labFolders';
export type { RequestOverrides } from './labRequests';
export { labsStopped, type StopOptions } from './labStops';
export { PostgresCluster } from './postgres';
export { findTemporalCli, TemporalDevServer } from './temporal';
export { TemporalServer, temporalServerBinaries } from './temporalServer';
export { TestHost } from './testHosts';
