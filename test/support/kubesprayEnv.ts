/**
 * The Kubespray env tests' node env (test/unit/kubesprayEnv-*.test.ts, tlsFiles.test.ts): node1's
 * /etc/etcd.env, the member it is read from, the joining etcd4 and its initial cluster.
 */
import assert from 'node:assert/strict';
import { EnvDerivationError } from '../../src/domain/kubespray/kubesprayEnv';

/** /etc/etcd.env as Kubespray's etcd.env.j2 renders it on node1 (etcd1, 10.0.0.11), metrics port set. */
export const NODE1_ENV = `# Environment file for etcd v3.5.16
ETCD_DATA_DIR=/var/lib/etcd
ETCD_ADVERTISE_CLIENT_URLS=https://10.0.0.11:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=https://10.0.0.11:2380
ETCD_INITIAL_CLUSTER_STATE=existing

ETCD_METRICS=basic
ETCD_LISTEN_METRICS_URLS=http://10.0.0.11:2381,http://127.0.0.1:2381
ETCD_LISTEN_CLIENT_URLS=https://10.0.0.11:2379,https://127.0.0.1:2379
ETCD_ELECTION_TIMEOUT=5000
ETCD_HEARTBEAT_INTERVAL=250
ETCD_INITIAL_CLUSTER_TOKEN=k8s_etcd
ETCD_LISTEN_PEER_URLS=https://10.0.0.11:2380
ETCD_NAME=etcd1
ETCD_PROXY=off
ETCD_INITIAL_CLUSTER=etcd1=https://10.0.0.11:2380,etcd2=https://10.0.0.12:2380,etcd3=https://10.0.0.13:2380
ETCD_AUTO_COMPACTION_RETENTION=8
ETCD_SNAPSHOT_COUNT=10000
ETCD_QUOTA_BACKEND_BYTES=2147483648
ETCD_MAX_REQUEST_BYTES=1572864
ETCD_LOG_LEVEL=info
ETCD_MAX_SNAPSHOTS=5
ETCD_MAX_WALS=5

# TLS settings
ETCD_TRUSTED_CA_FILE=/etc/ssl/etcd/ssl/ca.pem
ETCD_CERT_FILE=/etc/ssl/etcd/ssl/member-node1.pem
ETCD_KEY_FILE=/etc/ssl/etcd/ssl/member-node1-key.pem
ETCD_CLIENT_CERT_AUTH=true

ETCD_PEER_TRUSTED_CA_FILE=/etc/ssl/etcd/ssl/ca.pem
ETCD_PEER_CERT_FILE=/etc/ssl/etcd/ssl/member-node1.pem
ETCD_PEER_KEY_FILE=/etc/ssl/etcd/ssl/member-node1-key.pem
ETCD_PEER_CLIENT_CERT_AUTH=True


# CLI settings
ETCDCTL_ENDPOINTS=https://127.0.0.1:2379
ETCDCTL_CACERT=/etc/ssl/etcd/ssl/ca.pem
ETCDCTL_KEY=/etc/ssl/etcd/ssl/admin-node1-key.pem
ETCDCTL_CERT=/etc/ssl/etcd/ssl/admin-node1.pem

# ETCD 3.5.x issue
# https://groups.google.com/a/kubernetes.io/g/dev/c/B7gJs88XtQc/m/rSgNOzV2BwAJ?utm_medium=email&utm_source=footer
ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK=True

ETCD_EXPERIMENTAL_ENABLE_DISTRIBUTED_TRACING=true
ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_INSTANCE_ID=etcd1
ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL=5s
`;

export const source = { name: 'etcd1', peerURLs: ['https://10.0.0.11:2380'] };
export const etcd4 = {
  name: 'etcd4',
  peerURL: 'https://10.0.0.14:2380',
  clientURL: 'https://10.0.0.14:2379',
};
export const initialCluster =
  'etcd1=https://10.0.0.11:2380,etcd2=https://10.0.0.12:2380,etcd3=https://10.0.0.13:2380,etcd4=https://10.0.0.14:2380';

export const refusal = (fn: () => unknown): EnvDerivationError => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EnvDerivationError, String(err));
    return err;
  }
  assert.fail('was not refused');
};
