/**
 * What Kubespray puts on an etcd node, rendered for lab nodes: /etc/etcd.env (its etcd.env.j2), the
 * etcd.service unit, and the file names of /etc/ssl/etcd/ssl (its make-ssl-etcd.sh).
 *
 * One deliberate difference, because every lab node shares the machine's one network namespace:
 * Kubespray's ETCD_LISTEN_CLIENT_URLS is `<scheme>://<node IP>:2379,<scheme>://127.0.0.1:2379`, and
 * 127.0.0.1:2379 can be bound by one process on the machine only (the lab's three members, its new
 * hosts, other labs and the demo would all want it). Lab nodes listen on their own address only, and
 * ETCDCTL_ENDPOINTS names that address instead of https://127.0.0.1:2379. The certificates still name
 * 127.0.0.1 and ::1: peer connections on loopback come from 127.0.0.1.
 */

/** The membership-free part of Kubespray's env file the plain lab's new hosts start with (kept by the merge). */
export const KUBESPRAY_TUNING = [
  'ETCD_HEARTBEAT_INTERVAL=100',
  'ETCD_ELECTION_TIMEOUT=1000',
  'ETCD_AUTO_COMPACTION_RETENTION=8',
  'ETCD_METRICS=basic',
  'ETCD_LOGGER=zap',
  '',
].join('\n');

export const KUBESPRAY_SSL_DIR = '/etc/ssl/etcd/ssl';
export const KUBESPRAY_DATA_DIR = '/var/lib/etcd';
export const KUBESPRAY_CLUSTER_TOKEN = 'k8s_etcd';

/** Kubespray's certificate file names for an etcd host (make-ssl-etcd.sh). */
export const sslFiles = (host: string) => ({
  ca: 'ca.pem',
  caKey: 'ca-key.pem',
  member: `member-${host}.pem`,
  memberKey: `member-${host}-key.pem`,
  admin: `admin-${host}.pem`,
  adminKey: `admin-${host}-key.pem`,
  /** A control-plane host's client certificate, kube-apiserver's `--etcd-certfile`. */
  node: `node-${host}.pem`,
  nodeKey: `node-${host}-key.pem`,
});

export interface EnvNode {
  name: string;
  address: string;
}

export interface KubesprayEnvOptions {
  node: EnvNode;
  /** Every host of Kubespray's etcd group, the node itself included (its etcd_peer_addresses). */
  etcdGroup: EnvNode[];
  /** Kubespray writes `existing` when it found the cluster healthy, `new` on the first deployment. */
  state: 'new' | 'existing';
  tls: boolean;
  version: string;
  /** Kubespray's is always k8s_etcd; another cluster's stale data dir is made with another. */
  token?: string;
}

/**
 * /etc/etcd.env as Kubespray's etcd.env.j2 renders it for `node`, with its defaults, except the lab's
 * tuning (100 ms heartbeat and 1 s election instead of 250 ms and 5 s, so elections take a second) and
 * one extra variable (`etcd_extra_vars`: ETCD_LOGGER=zap, the same log format on 3.4 as later).
 * Without TLS, the TLS and etcdctl settings are left out and every URL is http.
 */
export function renderKubesprayEnv(o: KubesprayEnvOptions): string {
  const scheme = o.tls ? 'https' : 'http';
  const peer = (n: EnvNode) => `${scheme}://${n.address}:2380`;
  const client = `${scheme}://${o.node.address}:2379`;
  const f = sslFiles(o.node.name);
  const ssl = (file: string) => `${KUBESPRAY_SSL_DIR}/${file}`;
  const membership = [
    `# Environment file for etcd v${o.version}`,
    `ETCD_DATA_DIR=${KUBESPRAY_DATA_DIR}`,
    `ETCD_ADVERTISE_CLIENT_URLS=${client}`,
    `ETCD_INITIAL_ADVERTISE_PEER_URLS=${peer(o.node)}`,
    `ETCD_INITIAL_CLUSTER_STATE=${o.state}`,
    '',
    'ETCD_METRICS=basic',
    `ETCD_LISTEN_CLIENT_URLS=${client}`,
    'ETCD_ELECTION_TIMEOUT=1000',
    'ETCD_HEARTBEAT_INTERVAL=100',
    `ETCD_INITIAL_CLUSTER_TOKEN=${o.token ?? KUBESPRAY_CLUSTER_TOKEN}`,
    `ETCD_LISTEN_PEER_URLS=${peer(o.node)}`,
    `ETCD_NAME=${o.node.name}`,
    'ETCD_PROXY=off',
    `ETCD_INITIAL_CLUSTER=${o.etcdGroup.map((n) => `${n.name}=${peer(n)}`).join(',')}`,
    'ETCD_AUTO_COMPACTION_RETENTION=8',
    'ETCD_SNAPSHOT_COUNT=100000',
    'ETCD_QUOTA_BACKEND_BYTES=2147483648',
    'ETCD_MAX_REQUEST_BYTES=1572864',
    'ETCD_LOG_LEVEL=info',
    'ETCD_MAX_SNAPSHOTS=5',
    'ETCD_MAX_WALS=5',
    '',
  ];
  const tls = [
    '# TLS settings',
    `ETCD_TRUSTED_CA_FILE=${ssl(f.ca)}`,
    `ETCD_CERT_FILE=${ssl(f.member)}`,
    `ETCD_KEY_FILE=${ssl(f.memberKey)}`,
    'ETCD_CLIENT_CERT_AUTH=true',
    '',
    `ETCD_PEER_TRUSTED_CA_FILE=${ssl(f.ca)}`,
    `ETCD_PEER_CERT_FILE=${ssl(f.member)}`,
    `ETCD_PEER_KEY_FILE=${ssl(f.memberKey)}`,
    'ETCD_PEER_CLIENT_CERT_AUTH=true',
    '',
  ];
  const extraVars = ['ETCD_LOGGER=zap', ''];
  const cli = [
    '# CLI settings',
    `ETCDCTL_ENDPOINTS=${client}`,
    `ETCDCTL_CACERT=${ssl(f.ca)}`,
    `ETCDCTL_KEY=${ssl(f.adminKey)}`,
    `ETCDCTL_CERT=${ssl(f.admin)}`,
    '',
  ];
  const experimental = [
    'ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK=True',
    '',
    'ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL=5s',
  ];
  return `${[...membership, ...(o.tls ? tls : []), ...extraVars, ...(o.tls ? cli : []), ...experimental].join('\n')}\n`;
}

/** Kubespray's etcd.service (host deployment); the test hosts' systemctl stand-in does what it says. */
export const KUBESPRAY_UNIT = [
  '[Unit]',
  'Description=etcd',
  'After=network.target',
  '',
  '[Service]',
  'Type=notify',
  'User=root',
  'EnvironmentFile=/etc/etcd.env',
  'ExecStart=/usr/local/bin/etcd',
  'NotifyAccess=all',
  'Restart=always',
  'RestartSec=10s',
  'LimitNOFILE=40000',
  '',
  '[Install]',
  'WantedBy=multi-user.target',
  '',
].join('\n');
