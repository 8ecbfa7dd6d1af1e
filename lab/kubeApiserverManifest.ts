/**
 * /etc/kubernetes/manifests/kube-apiserver.yaml as kubeadm writes it on a Kubespray control-plane node
 * (external etcd over Kubespray's certificates): a Pod whose container's command is `kube-apiserver` and its
 * flags, sorted, one `- --flag=value` line each, at kubeadm's indentation. The flags are Kubespray's where
 * they mean something in the lab; the lab's own: every address is the host's loopback address, and the
 * image names no registry (the lab's kubelet stand-in runs /usr/local/bin/kube-apiserver, not an image).
 */

import { SERVICE_CLUSTER_IP_RANGE } from './kubePki';
import { KUBESPRAY_SSL_DIR, sslFiles } from './kubespray';

export const MANIFEST_PATH = '/etc/kubernetes/manifests/kube-apiserver.yaml';
export const KUBE_CERT_DIR = '/etc/kubernetes/ssl';
export const SECURE_PORT = 6443;

export interface ManifestOptions {
  /** The inventory host name: the etcd node certificate's `<host>`. */
  host: string;
  address: string;
  etcdServers: string[];
  version: string;
}

export function kubeApiserverFlags(o: ManifestOptions): string[] {
  const etcd = sslFiles(o.host);
  const ssl = (f: string) => `${KUBE_CERT_DIR}/${f}`;
  return [
    `--advertise-address=${o.address}`,
    '--allow-privileged=true',
    '--anonymous-auth=True',
    '--authorization-mode=Node,RBAC',
    `--bind-address=${o.address}`,
    `--cert-dir=${KUBE_CERT_DIR}`,
    `--client-ca-file=${ssl('ca.crt')}`,
    '--enable-admission-plugins=NodeRestriction',
    '--enable-bootstrap-token-auth=true',
    `--etcd-cafile=${KUBESPRAY_SSL_DIR}/${etcd.ca}`,
    `--etcd-certfile=${KUBESPRAY_SSL_DIR}/${etcd.node}`,
    `--etcd-keyfile=${KUBESPRAY_SSL_DIR}/${etcd.nodeKey}`,
    `--etcd-servers=${o.etcdServers.join(',')}`,
    '--event-ttl=1h0m0s',
    '--profiling=False',
    '--request-timeout=1m0s',
    `--secure-port=${SECURE_PORT}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${ssl('sa.pub')}`,
    `--service-account-signing-key-file=${ssl('sa.key')}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    '--service-node-port-range=30000-32767',
    '--storage-backend=etcd3',
    `--tls-cert-file=${ssl('apiserver.crt')}`,
    `--tls-private-key-file=${ssl('apiserver.key')}`,
  ];
}

export function renderKubeApiserverManifest(o: ManifestOptions): string {
  const probe = (path: string, failureThreshold: number) => [
    `      failureThreshold: ${failureThreshold}`,
    '      httpGet:',
    `        host: ${o.address}`,
    `        path: ${path}`,
    `        port: ${SECURE_PORT}`,
    '        scheme: HTTPS',
    '      initialDelaySeconds: 10',
    '      periodSeconds: 10',
    '      timeoutSeconds: 15',
  ];
  const hostPaths: Array<[string, string]> = [
    ['ca-certs', '/etc/ssl/certs'],
    ['etcd-certs-0', KUBESPRAY_SSL_DIR],
    ['k8s-certs', KUBE_CERT_DIR],
  ];
  return `${[
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  annotations:',
    `    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: ${o.address}:${SECURE_PORT}`,
    '  labels:',
    '    component: kube-apiserver',
    '    tier: control-plane',
    '  name: kube-apiserver',
    '  namespace: kube-system',
    'spec:',
    '  containers:',
    '  - command:',
    '    - kube-apiserver',
    ...kubeApiserverFlags(o).map((f) => `    - ${f}`),
    `    image: kube-apiserver:${o.version}`,
    '    imagePullPolicy: IfNotPresent',
    '    livenessProbe:',
    ...probe('/livez', 8),
    '    name: kube-apiserver',
    '    readinessProbe:',
    ...probe('/readyz', 3),
    '    resources:',
    '      requests:',
    '        cpu: 250m',
    '    volumeMounts:',
    ...hostPaths.flatMap(([name, path]) => [
      `    - mountPath: ${path}`,
      `      name: ${name}`,
      '      readOnly: true',
    ]),
    '  hostNetwork: true',
    '  priority: 2000001000',
    '  priorityClassName: system-node-critical',
    '  securityContext:',
    '    seccompProfile:',
    '      type: RuntimeDefault',
    '  volumes:',
    ...hostPaths.flatMap(([name, path]) => [
      '  - hostPath:',
      `      path: ${path}`,
      '      type: DirectoryOrCreate',
      `    name: ${name}`,
    ]),
    'status: {}',
  ].join('\n')}\n`;
}
