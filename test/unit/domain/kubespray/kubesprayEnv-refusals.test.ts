/** The member envs the Kubespray env derivation refuses, each naming why. */
import assert from 'node:assert/strict';
import {
  WITHHELD,
  withholdSecrets,
} from '../../../../src/domain/envFiles/envSecrets';
import { deriveMemberEnv } from '../../../../src/domain/kubespray/kubesprayEnv';
import {
  etcd4,
  initialCluster,
  NODE1_ENV,
  refusal,
  source,
} from '../../../support/kubesprayEnv';

describe('Kubespray env derived from a healthy member', () => {
  it("refuses a file that is not the member's", () => {
    const e = refusal(() =>
      deriveMemberEnv(
        NODE1_ENV,
        { name: 'etcd2', peerURLs: ['https://10.0.0.12:2380'] },
        etcd4,
        initialCluster,
        '/var/lib/etcd',
      ),
    );
    assert.equal(e.variable, 'ETCD_NAME');
    assert.match(
      e.message,
      /ETCD_NAME: is "etcd1" in the env file read from member etcd2/,
    );
    assert.match(
      refusal(() =>
        deriveMemberEnv(
          'ETCD_DATA_DIR=/x\n',
          source,
          etcd4,
          initialCluster,
          '/x',
        ),
      ).message,
      /ETCD_NAME: is missing/,
    );
  });

  it('refuses an initial cluster that a name with "," or "=" would corrupt, or that lacks the new member', () => {
    for (const bad of [
      'etcd,1=https://10.0.0.11:2380,etcd4=https://10.0.0.14:2380',
      'etcd=1=https://10.0.0.11:2380,etcd4=https://10.0.0.14:2380',
    ]) {
      const e = refusal(() =>
        deriveMemberEnv(NODE1_ENV, source, etcd4, bad, '/var/lib/etcd'),
      );
      assert.equal(e.variable, 'ETCD_INITIAL_CLUSTER');
      assert.match(
        e.message,
        /is not name=URL \(a member name with "," or "=" cannot be written there\)/,
      );
    }
    assert.match(
      refusal(() =>
        deriveMemberEnv(
          NODE1_ENV,
          source,
          etcd4,
          'etcd1=https://10.0.0.11:2380',
          '/var/lib/etcd',
        ),
      ).message,
      /does not list the joining member etcd4=https:\/\/10\.0\.0\.14:2380/,
    );
  });

  it('refuses a value with a line break or NUL, naming the variable', () => {
    const e = refusal(() =>
      deriveMemberEnv(
        NODE1_ENV.replace('ETCD_LOG_LEVEL=info', 'ETCD_LOG_LEVEL=in\rfo'),
        source,
        etcd4,
        initialCluster,
        '/var/lib/etcd',
      ),
    );
    assert.equal(e.variable, 'ETCD_LOG_LEVEL');
    assert.match(e.message, /holds a carriage return or NUL/);
    assert.equal(
      refusal(() =>
        deriveMemberEnv(
          NODE1_ENV.replace(/\n/g, '\r\n'),
          source,
          etcd4,
          initialCluster,
          '/var/lib/etcd',
        ),
      ).variable,
      'ETCD_DATA_DIR',
    );
    // A member name with a newline (etcd accepts any name) never reaches the file either.
    assert.equal(
      refusal(() =>
        deriveMemberEnv(
          NODE1_ENV,
          source,
          etcd4,
          `etcd\n1=https://10.0.0.11:2380,${initialCluster}`,
          '/var/lib/etcd',
        ),
      ).variable,
      'ETCD_INITIAL_CLUSTER',
    );
  });

  it("refuses a copied value that still names the member's address", () => {
    const e = refusal(() =>
      deriveMemberEnv(
        `${NODE1_ENV}ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_ADDRESS=10.0.0.11:4317\n`,
        source,
        etcd4,
        initialCluster,
        '/var/lib/etcd',
      ),
    );
    assert.equal(e.variable, 'ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_ADDRESS');
    assert.match(
      e.message,
      /would still name member etcd1's address 10\.0\.0\.11/,
    );
    // 10.0.0.1 is not 10.0.0.11's address
    const ok = deriveMemberEnv(
      `${NODE1_ENV}ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_ADDRESS=10.0.0.1:4317\n`,
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    assert.equal(
      ok.vars.ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_ADDRESS,
      '10.0.0.1:4317',
    );
  });

  it('drops discovery variables and refuses withheld secrets', () => {
    const d = deriveMemberEnv(
      `${NODE1_ENV}ETCD_DISCOVERY_SRV=example.com\n`,
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    assert.equal(d.vars.ETCD_DISCOVERY_SRV, undefined);
    assert.ok(!d.text.includes('ETCD_DISCOVERY_SRV'));
    assert.ok(d.changed.includes('ETCD_DISCOVERY_SRV'));
    const read = withholdSecrets(`${NODE1_ENV}ETCD_EXTRA_PASSWORD=hunter2\n`);
    assert.ok(
      !read.includes('hunter2') &&
        read.includes(`ETCD_EXTRA_PASSWORD=${WITHHELD}`),
    );
    assert.equal(withholdSecrets(NODE1_ENV), NODE1_ENV);
    const e = refusal(() =>
      deriveMemberEnv(read, source, etcd4, initialCluster, '/var/lib/etcd'),
    );
    assert.equal(e.variable, 'ETCD_EXTRA_PASSWORD');
  });

  it("refuses a member's TLS file variable that is not a clean absolute path, naming it (issue 17)", () => {
    for (const [variable, value] of [
      ['ETCDCTL_CERT', 'admin-node1.pem'],
      ['ETCDCTL_KEY', '/etc/ssl/etcd/ssl/../../../root/admin-node1-key.pem'],
      ['ETCDCTL_CACERT', 'ca.pem'],
      ['ETCD_PEER_CERT_FILE', 'ssl/member-node1.pem'],
    ]) {
      const env = NODE1_ENV.replace(
        new RegExp(`^${variable}=.*$`, 'm'),
        `${variable}=${value}`,
      );
      assert.notEqual(env, NODE1_ENV);
      const e = refusal(() =>
        deriveMemberEnv(env, source, etcd4, initialCluster, '/var/lib/etcd'),
      );
      assert.equal(e.variable, variable);
      assert.match(e.message, /is not an absolute path made of letters/);
    }
  });

  it('withholds tokens and keys, keeps key-file paths and the cluster token visible (issue 17)', () => {
    const extra = [
      'ETCD_EXTRA_TOKEN=s3cr3t-token',
      'VAULT_TOKEN="hvs.abc"',
      'export API_KEY=AKIAXXXX',
      'ETCD_ENCRYPTION_KEY=aGVsbG8=',
      'DB_CREDENTIALS=/etc/creds',
      'ETCD_EXTRA_PASSWD=x',
      'ETCD_JWT_KEY=/etc/ssl/etcd/ssl/jwt-key.pem',
      'ETCD_AUTH_TOKEN=jwt,pub-key=/etc/ssl/etcd/ssl/jwt.pub,sign-method=RS256',
    ].join('\n');
    const read = withholdSecrets(`${NODE1_ENV}${extra}\n`);
    for (const secret of [
      's3cr3t',
      'hvs.abc',
      'AKIAXXXX',
      'aGVsbG8=',
      '/etc/creds',
      'PASSWD=x',
    ])
      assert.ok(!read.includes(secret), `${secret} withheld`);
    for (const name of [
      'ETCD_EXTRA_TOKEN',
      'VAULT_TOKEN',
      'export API_KEY',
      'ETCD_ENCRYPTION_KEY',
      'DB_CREDENTIALS',
      'ETCD_EXTRA_PASSWD',
    ])
      assert.ok(read.includes(`${name}=${WITHHELD}`), name);
    // Paths and settings, not secrets: Kubespray's whole env is read as it is.
    assert.ok(read.includes('ETCD_JWT_KEY=/etc/ssl/etcd/ssl/jwt-key.pem'));
    assert.ok(read.includes('ETCD_AUTH_TOKEN=jwt,pub-key='));
    assert.ok(
      read.includes('ETCDCTL_KEY=/etc/ssl/etcd/ssl/admin-node1-key.pem'),
    );
    assert.ok(read.includes('ETCD_INITIAL_CLUSTER_TOKEN=k8s_etcd'));
    assert.equal(withholdSecrets(NODE1_ENV), NODE1_ENV);
  });
});
