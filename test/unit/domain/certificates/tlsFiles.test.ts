/** The TLS files an env names (tlsFilesOf): Kubespray's client and peer sets, and what is half set or unsafe. */
import assert from 'node:assert/strict';
import { tlsFilesOf } from '../../../../src/domain/certificates/tlsFiles';
import { parseEnvFile } from '../../../../src/domain/envFiles/envFileText';
import { NODE1_ENV } from '../../../support/kubesprayEnv';

describe('TLS files named by an env', () => {
  it("lists Kubespray's client and peer sets", () => {
    const { sets, problems } = tlsFilesOf(parseEnvFile(NODE1_ENV));
    assert.deepEqual(problems, []);
    assert.deepEqual(sets, [
      {
        use: 'client',
        caFile: '/etc/ssl/etcd/ssl/ca.pem',
        certFile: '/etc/ssl/etcd/ssl/member-node1.pem',
        keyFile: '/etc/ssl/etcd/ssl/member-node1-key.pem',
        variables: {
          ca: 'ETCD_TRUSTED_CA_FILE',
          cert: 'ETCD_CERT_FILE',
          key: 'ETCD_KEY_FILE',
        },
      },
      {
        use: 'peer',
        caFile: '/etc/ssl/etcd/ssl/ca.pem',
        certFile: '/etc/ssl/etcd/ssl/member-node1.pem',
        keyFile: '/etc/ssl/etcd/ssl/member-node1-key.pem',
        variables: {
          ca: 'ETCD_PEER_TRUSTED_CA_FILE',
          cert: 'ETCD_PEER_CERT_FILE',
          key: 'ETCD_PEER_KEY_FILE',
        },
      },
    ]);
  });

  it('has nothing to check on a plain http member, and says what is half set or unsafe', () => {
    assert.deepEqual(tlsFilesOf({ ETCD_NAME: 'etcd1' }), {
      sets: [],
      problems: [],
    });
    assert.deepEqual(tlsFilesOf({ ETCD_CERT_FILE: '/a.pem' }).problems, [
      'ETCD_CERT_FILE is set but ETCD_KEY_FILE is not',
    ]);
    assert.deepEqual(
      tlsFilesOf({ ETCD_CERT_FILE: '/a.pem', ETCD_KEY_FILE: '/a-key.pem' })
        .problems,
      [
        'ETCD_TRUSTED_CA_FILE and ETCD_PEER_TRUSTED_CA_FILE are unset: no CA to check /a.pem against',
      ],
    );
    const fallback = tlsFilesOf({
      ETCD_PEER_CERT_FILE: '/p.pem',
      ETCD_PEER_KEY_FILE: '/p-key.pem',
      ETCD_TRUSTED_CA_FILE: '/ca.pem',
    });
    assert.equal(fallback.sets[0].caFile, '/ca.pem');
    assert.equal(fallback.sets[0].variables.ca, 'ETCD_TRUSTED_CA_FILE');
    assert.match(
      tlsFilesOf({
        ETCD_CERT_FILE: 'member.pem',
        ETCD_KEY_FILE: '/k.pem',
        ETCD_TRUSTED_CA_FILE: '/ca.pem',
      }).problems[0],
      /^ETCD_CERT_FILE is "member\.pem": not an absolute path/,
    );
  });

  it("holds etcdctl's files (where issuing writes the admin pair) to the same path rule (issue 17)", () => {
    const vars = {
      ETCD_CERT_FILE: '/m.pem',
      ETCD_KEY_FILE: '/m-key.pem',
      ETCD_TRUSTED_CA_FILE: '/ca.pem',
      ETCDCTL_CACERT: '/ca.pem',
      ETCDCTL_CERT: 'admin.pem',
      ETCDCTL_KEY: '/etc/ssl/etcd/ssl/../../../root/.ssh/id_rsa',
    };
    assert.deepEqual(tlsFilesOf(vars).problems, [
      'ETCDCTL_CERT is "admin.pem": not an absolute path made of letters, digits and ._@+-/',
      'ETCDCTL_KEY is "/etc/ssl/etcd/ssl/../../../root/.ssh/id_rsa": not an absolute path made of letters, digits and ._@+-/',
    ]);
  });
});
