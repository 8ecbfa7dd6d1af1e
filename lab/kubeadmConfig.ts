/**
 * kubeadm's side of the control-plane lab: what a Kubespray-built control-plane node keeps besides its
 * manifest, and what kubeadm uploaded to the cluster.
 *  - /etc/kubernetes/kubeadm-config.yaml: Kubespray's kubeadm-config.v1beta4.yaml.j2 as rendered for the
 *    host (trimmed to what the lab means): an InitConfiguration, the ClusterConfiguration whose
 *    etcd.external.endpoints are the original members (quoted, at Kubespray's 6-space indentation, with
 *    the host's etcd node certificate), and a KubeProxyConfiguration.
 *  - /etc/kubernetes/admin.conf: kubeadm's admin kubeconfig (system:masters, its certificates embedded),
 *    naming the host's own apiserver.
 *  - the `kubeadm-config` ConfigMap in kube-system: the ClusterConfiguration as kubeadm uploads it
 *    (its own YAML: sorted keys, plain items at 4 spaces), written once the apiservers are ready.
 * The pinned kubeadm (built with kube-apiserver, scripts/build-kube-apiserver.sh) regenerates manifests
 * from these in the tests (test/support/kubeadm.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabControlPlane } from './controlPlane';
import { kubeRequest } from './kubeApiClient';
import type { KubeClientFiles } from './kubePki';
import { KUBESPRAY_SSL_DIR, sslFiles } from './kubespray';

export const KUBEADM_CONFIG_PATH = '/etc/kubernetes/kubeadm-config.yaml';
export const ADMIN_CONF_PATH = '/etc/kubernetes/admin.conf';
const SERVICE_SUBNET = '10.233.0.0/18';

export interface KubeadmHost {
  /** The inventory host name (names its etcd node certificate). */
  name: string;
  address: string;
}

const etcdFiles = (host: string) => {
  const f = sslFiles(host);
  return {
    caFile: `${KUBESPRAY_SSL_DIR}/${f.ca}`,
    certFile: `${KUBESPRAY_SSL_DIR}/${f.node}`,
    keyFile: `${KUBESPRAY_SSL_DIR}/${f.nodeKey}`,
  };
};

/** /etc/kubernetes/kubeadm-config.yaml as Kubespray renders it for `h`. */
export function renderKubeadmConfigFile(
  h: KubeadmHost,
  etcdServers: string[],
  version: string,
): string {
  const etcd = etcdFiles(h.name);
  return `${[
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: InitConfiguration',
    'localAPIEndpoint:',
    `  advertiseAddress: "${h.address}"`,
    '  bindPort: 6443',
    'nodeRegistration:',
    `  name: "${h.name}"`,
    '  criSocket: unix:///var/run/containerd/containerd.sock',
    '---',
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: ClusterConfiguration',
    'clusterName: cluster.local',
    'etcd:',
    '  external:',
    '      endpoints:',
    ...etcdServers.map((e) => `      - "${e}"`),
    `      caFile: ${etcd.caFile}`,
    `      certFile: ${etcd.certFile}`,
    `      keyFile: ${etcd.keyFile}`,
    'networking:',
    '  dnsDomain: cluster.local',
    `  serviceSubnet: "${SERVICE_SUBNET}"`,
    `kubernetesVersion: ${version}`,
    `controlPlaneEndpoint: "${h.address}:6443"`,
    'certificatesDir: /etc/kubernetes/ssl',
    '---',
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'kind: KubeProxyConfiguration',
    `clusterCIDR: "${SERVICE_SUBNET}"`,
  ].join('\n')}\n`;
}

/** The ClusterConfiguration as kubeadm uploads it to the kubeadm-config ConfigMap (from the first host). */
export function renderUploadedClusterConfiguration(
  first: KubeadmHost,
  etcdServers: string[],
  version: string,
): string {
  const etcd = etcdFiles(first.name);
  return `${[
    'apiServer: {}',
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'caCertificateValidityPeriod: 87600h0m0s',
    'certificateValidityPeriod: 8760h0m0s',
    'certificatesDir: /etc/kubernetes/ssl',
    'clusterName: cluster.local',
    `controlPlaneEndpoint: ${first.address}:6443`,
    'controllerManager: {}',
    'dns: {}',
    'encryptionAlgorithm: RSA-2048',
    'etcd:',
    '  external:',
    `    caFile: ${etcd.caFile}`,
    `    certFile: ${etcd.certFile}`,
    '    endpoints:',
    ...etcdServers.map((e) => `    - ${e}`),
    `    keyFile: ${etcd.keyFile}`,
    'kind: ClusterConfiguration',
    `kubernetesVersion: ${version}`,
    'networking:',
    '  dnsDomain: cluster.local',
    `  serviceSubnet: ${SERVICE_SUBNET}`,
    'proxy: {}',
    'scheduler: {}',
  ].join('\n')}\n`;
}

const b64 = (file: string) => readFileSync(file).toString('base64');

/** kubeadm's admin.conf for `h`: its own apiserver, the admin client certificate embedded. */
export function renderAdminConf(
  h: KubeadmHost,
  admin: KubeClientFiles,
): string {
  return `${[
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(admin.caFile)}`,
    `    server: https://${h.address}:6443`,
    '  name: cluster.local',
    'contexts:',
    '- context:',
    '    cluster: cluster.local',
    '    user: kubernetes-admin',
    '  name: kubernetes-admin@cluster.local',
    'current-context: kubernetes-admin@cluster.local',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: kubernetes-admin',
    '  user:',
    `    client-certificate-data: ${b64(admin.certFile)}`,
    `    client-key-data: ${b64(admin.keyFile)}`,
  ].join('\n')}\n`;
}

/** kubeadm-config.yaml and admin.conf into a host's /etc/kubernetes (`k8sDir`, its folder outside the namespace). */
export function installKubeadmFiles(
  k8sDir: string,
  h: KubeadmHost,
  etcdServers: string[],
  version: string,
  admin: KubeClientFiles,
): void {
  writeFileSync(
    join(k8sDir, 'kubeadm-config.yaml'),
    renderKubeadmConfigFile(h, etcdServers, version),
  );
  writeFileSync(join(k8sDir, 'admin.conf'), renderAdminConf(h, admin), {
    mode: 0o600,
  });
}

/** The lab's kube-system/kubeadm-config, as kubeadm would have uploaded it from the first host; once ready. */
export function uploadLabKubeadmConfig(cp: LabControlPlane): Promise<void> {
  const [first] = cp.options.hosts;
  return uploadKubeadmConfig(
    cp.baseURL(first.name),
    cp.adminFiles,
    renderUploadedClusterConfiguration(
      first,
      cp.options.etcdServers,
      cp.version,
    ),
  );
}

/** Creates kube-system/kubeadm-config with `clusterConfiguration` through `base` (already there: left as it is). */
export async function uploadKubeadmConfig(
  base: string,
  admin: KubeClientFiles,
  clusterConfiguration: string,
): Promise<void> {
  const r = await kubeRequest(
    `${base}/api/v1/namespaces/kube-system/configmaps`,
    {
      caFile: admin.caFile,
      client: admin,
      method: 'POST',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kubeadm-config', namespace: 'kube-system' },
        data: { ClusterConfiguration: clusterConfiguration },
      },
      timeoutMs: 10_000,
    },
  );
  if (r.status !== 201 && r.status !== 409)
    throw new Error(
      `creating kube-system/kubeadm-config through ${base}: HTTP ${r.status} ${r.body.slice(0, 300)}`,
    );
}

/** The ConfigMap's ClusterConfiguration now, through `base`. */
export async function kubeadmClusterConfiguration(
  base: string,
  admin: KubeClientFiles,
): Promise<string> {
  const r = await kubeRequest(
    `${base}/api/v1/namespaces/kube-system/configmaps/kubeadm-config`,
    { caFile: admin.caFile, client: admin, timeoutMs: 10_000 },
  );
  if (r.status !== 200)
    throw new Error(
      `reading kube-system/kubeadm-config through ${base}: HTTP ${r.status} ${r.body.slice(0, 300)}`,
    );
  return JSON.parse(r.body).data.ClusterConfiguration;
}

/** The pinned kubeadm, built beside the pinned kube-apiserver; throws when it is not built. */
export function kubeadmBinary(kubeApiserver: string): string {
  const binary = join(dirname(kubeApiserver), 'kubeadm');
  if (!existsSync(binary))
    throw new Error(
      `${binary} is missing; run scripts/setup.sh --tests (or bash scripts/build-kube-apiserver.sh)`,
    );
  return binary;
}
