/** The member envs the Kubespray env derivation refuses, each naming why. */
import assert from 'node:assert/strict';
import {
  deriveMemberEnv,
  WITHHELD,
  withholdSecrets,
} from '../../../src/domain/kubesprayEnv';
import {
  etcd4,
  initialCluster,
  NODE1_ENV,
  refusal,
  source,
} from '../../support/kubesprayEnv';

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
});
