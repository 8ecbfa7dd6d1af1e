/** The new member's Kubespray env, derived from a healthy member's: its own name, URLs, listeners and files, the rest kept. */
import assert from 'node:assert/strict';
import { parseEnvFile } from '../../../../src/domain/envFiles/envFileText';
import {
  deriveMemberEnv,
  relistenURLs,
} from '../../../../src/domain/kubespray/kubesprayEnv';
import { renameHostFile as renameMemberFile } from '../../../../src/domain/kubespray/kubesprayNames';
import {
  etcd4,
  initialCluster,
  NODE1_ENV,
  refusal,
  source,
} from '../../../support/kubesprayEnv';

describe('Kubespray env derived from a healthy member', () => {
  it("gives the new member its own name, URLs, certificates and initial cluster, and keeps the rest as the member's", () => {
    const d = deriveMemberEnv(
      NODE1_ENV,
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    const member = parseEnvFile(NODE1_ENV);
    const expected: Record<string, string> = {
      ...member,
      ETCD_NAME: 'etcd4',
      ETCD_INITIAL_ADVERTISE_PEER_URLS: 'https://10.0.0.14:2380',
      ETCD_ADVERTISE_CLIENT_URLS: 'https://10.0.0.14:2379',
      ETCD_LISTEN_PEER_URLS: 'https://10.0.0.14:2380',
      ETCD_LISTEN_CLIENT_URLS: 'https://10.0.0.14:2379,https://127.0.0.1:2379',
      ETCD_LISTEN_METRICS_URLS: 'http://10.0.0.14:2381,http://127.0.0.1:2381',
      ETCD_CERT_FILE: '/etc/ssl/etcd/ssl/member-etcd4.pem',
      ETCD_KEY_FILE: '/etc/ssl/etcd/ssl/member-etcd4-key.pem',
      ETCD_PEER_CERT_FILE: '/etc/ssl/etcd/ssl/member-etcd4.pem',
      ETCD_PEER_KEY_FILE: '/etc/ssl/etcd/ssl/member-etcd4-key.pem',
      ETCDCTL_CERT: '/etc/ssl/etcd/ssl/admin-etcd4.pem',
      ETCDCTL_KEY: '/etc/ssl/etcd/ssl/admin-etcd4-key.pem',
      ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_INSTANCE_ID: 'etcd4',
      ETCD_INITIAL_CLUSTER: initialCluster,
      ETCD_INITIAL_CLUSTER_STATE: 'existing',
    };
    assert.deepEqual(d.vars, expected);
    // Tuning, TLS settings, metrics, log level and token stay the member's.
    for (const k of [
      'ETCD_ELECTION_TIMEOUT',
      'ETCD_HEARTBEAT_INTERVAL',
      'ETCD_INITIAL_CLUSTER_TOKEN',
      'ETCD_METRICS',
      'ETCD_LOG_LEVEL',
      'ETCD_TRUSTED_CA_FILE',
      'ETCD_PEER_CLIENT_CERT_AUTH',
      'ETCD_QUOTA_BACKEND_BYTES',
    ]) {
      assert.equal(d.vars[k], member[k], k);
    }
    assert.deepEqual(
      parseEnvFile(d.text),
      d.vars,
      'the text says what vars says',
    );
    assert.ok(
      d.text.startsWith('# Environment file for etcd v3.5.16\n') &&
        d.text.includes('\n# TLS settings\n'),
      'comments and order kept',
    );
    assert.equal(
      d.text.split('\n').length,
      NODE1_ENV.split('\n').length,
      'no line added or lost',
    );
    assert.deepEqual(
      d.changed.sort(),
      Object.keys(expected)
        .filter((k) => expected[k] !== member[k])
        .sort(),
    );
    assert.ok(
      !d.changed.includes('ETCD_DATA_DIR') &&
        !d.changed.includes('ETCD_INITIAL_CLUSTER_STATE'),
    );
  });

  it('binds to listenAddress when the URLs name the host, and uses the data dir of the request', () => {
    const named = {
      name: 'etcd4',
      peerURL: 'https://etcd4.example.com:2380',
      clientURL: 'https://etcd4.example.com:2379',
      listenAddress: '10.0.0.14',
    };
    const d = deriveMemberEnv(
      NODE1_ENV,
      source,
      named,
      initialCluster.replace('10.0.0.14', 'etcd4.example.com'),
      '/data/etcd',
    );
    assert.equal(
      d.vars.ETCD_INITIAL_ADVERTISE_PEER_URLS,
      'https://etcd4.example.com:2380',
    );
    assert.equal(d.vars.ETCD_LISTEN_PEER_URLS, 'https://10.0.0.14:2380');
    assert.equal(
      d.vars.ETCD_LISTEN_CLIENT_URLS,
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(d.vars.ETCD_DATA_DIR, '/data/etcd');
  });

  it('keeps the listen URLs minimal when the member has no loopback listener, and adds what is missing', () => {
    const plain = NODE1_ENV.replace(
      'ETCD_LISTEN_CLIENT_URLS=https://10.0.0.11:2379,https://127.0.0.1:2379',
      'ETCD_LISTEN_CLIENT_URLS=https://10.0.0.11:2379',
    ).replace(/^ETCD_LISTEN_METRICS_URLS=.*\n/m, '');
    const d = deriveMemberEnv(
      plain,
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    assert.equal(d.vars.ETCD_LISTEN_CLIENT_URLS, 'https://10.0.0.14:2379');
    assert.equal(d.vars.ETCD_LISTEN_METRICS_URLS, undefined);
    const bare = deriveMemberEnv(
      'ETCD_NAME=etcd1\nETCD_DATA_DIR=/var/lib/etcd\n',
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    assert.equal(bare.vars.ETCD_LISTEN_PEER_URLS, 'https://10.0.0.14:2380');
    assert.ok(bare.text.includes('# membership written by etcd-scaleout\n'));
  });

  it('names the certificate files by the inventory host when it is not the member name; ETCD_NAME stays the member name', () => {
    const d = deriveMemberEnv(
      NODE1_ENV,
      source,
      { ...etcd4, inventoryHost: 'node4' },
      initialCluster,
      '/var/lib/etcd',
    );
    assert.equal(d.vars.ETCD_NAME, 'etcd4');
    assert.equal(d.vars.ETCD_CERT_FILE, '/etc/ssl/etcd/ssl/member-node4.pem');
    assert.equal(
      d.vars.ETCD_PEER_KEY_FILE,
      '/etc/ssl/etcd/ssl/member-node4-key.pem',
    );
    assert.equal(d.vars.ETCDCTL_CERT, '/etc/ssl/etcd/ssl/admin-node4.pem');
    assert.equal(d.vars.ETCDCTL_KEY, '/etc/ssl/etcd/ssl/admin-node4-key.pem');
    assert.equal(
      d.vars.ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_INSTANCE_ID,
      'etcd4',
    );
  });

  it('renames member and admin files only', () => {
    assert.equal(
      renameMemberFile(
        '/etc/ssl/etcd/ssl/member-node1.example.com-key.pem',
        'etcd4',
      ),
      '/etc/ssl/etcd/ssl/member-etcd4-key.pem',
    );
    assert.equal(
      renameMemberFile('/etc/ssl/etcd/ssl/admin-node1.pem', 'etcd4'),
      '/etc/ssl/etcd/ssl/admin-etcd4.pem',
    );
    assert.equal(
      renameMemberFile('/etc/etcd/pki/server.crt', 'etcd4'),
      '/etc/etcd/pki/server.crt',
    );
    assert.equal(
      renameMemberFile('/etc/ssl/etcd/ssl/ca.pem', 'etcd4'),
      '/etc/ssl/etcd/ssl/ca.pem',
    );
  });

  it('re-lists listeners: loopback kept, own address replaced once, a wildcard on the port covers it', () => {
    assert.equal(
      relistenURLs(
        'V',
        'https://10.0.0.11:2379,https://127.0.0.1:2379',
        'https://10.0.0.14:2379',
      ),
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(
      relistenURLs('V', 'https://0.0.0.0:2379', 'https://10.0.0.14:2379'),
      'https://0.0.0.0:2379',
    );
    assert.equal(
      relistenURLs('V', 'https://127.0.0.1:2379', 'https://10.0.0.14:2379'),
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(
      relistenURLs('V', undefined, 'https://10.0.0.14:2380'),
      'https://10.0.0.14:2380',
    );
    assert.equal(
      refusal(() =>
        relistenURLs(
          'ETCD_LISTEN_PEER_URLS',
          'not a url',
          'https://10.0.0.14:2380',
        ),
      ).variable,
      'ETCD_LISTEN_PEER_URLS',
    );
  });
});
