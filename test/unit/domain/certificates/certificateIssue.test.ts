import assert from 'node:assert/strict';
import {
  ancestors,
  authorityProblems,
  issueSpecFor,
  parseManifest,
  planIssue,
  requestConfig,
  sanListForNewMember,
  signingConfig,
} from '../../../../src/domain/certificates/certificateIssue';
import type { TlsFileSet } from '../../../../src/domain/certificates/tlsFiles';
import {
  absent,
  CA_FP,
  DIR,
  fresh,
  issued,
  PUB,
  present,
  SPEC,
  x509,
} from '../../../support/certificateProbes';

const NOW = Date.parse('2027-01-15T00:00:00Z');
const all = new Set(['/etc', '/etc/ssl', DIR]);

describe('issuing certificates: SANs and openssl configs', () => {
  it("takes Kubespray's SAN list from a member certificate and adds the new member's hosts", () => {
    const template = {
      dnsNames: ['localhost', 'node1', 'node2', 'node3', 'bad name', 'x,y'],
      ipAddresses: [
        '10.0.0.11',
        '10.0.0.12',
        '10.0.0.13',
        '127.0.0.1',
        '0:0:0:0:0:0:0:1',
      ],
    };
    assert.deepEqual(
      sanListForNewMember(template, {
        peerURL: 'https://etcd4.example.com:2380',
        clientURL: 'https://etcd4.example.com:2379',
        listenAddress: '10.0.0.14',
      }),
      {
        dns: ['localhost', 'node1', 'node2', 'node3', 'etcd4.example.com'],
        ips: [
          '127.0.0.1',
          '10.0.0.11',
          '10.0.0.12',
          '10.0.0.13',
          '0:0:0:0:0:0:0:1',
          '10.0.0.14',
        ],
      },
    );
    assert.deepEqual(
      sanListForNewMember(undefined, {
        peerURL: 'https://10.0.0.14:2380',
        clientURL: 'https://10.0.0.14:2379',
      }),
      { dns: ['localhost'], ips: ['127.0.0.1', '10.0.0.14'] },
    );
  });

  it("writes Kubespray's subject and ssl_client section", () => {
    assert.deepEqual(requestConfig('admin', 'etcd4'), [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = etcd-admin-etcd4',
    ]);
    assert.throws(
      () => requestConfig('member', 'etcd4\nCN=x'),
      /not a member name/,
    );
    assert.deepEqual(signingConfig(SPEC.sans), [
      '[ssl_client]',
      'extendedKeyUsage = clientAuth, serverAuth',
      'basicConstraints = CA:FALSE',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid,issuer',
      'subjectAltName = DNS:localhost, IP:10.0.0.14, IP:127.0.0.1',
    ]);
    assert.throws(
      () => signingConfig({ dns: ['a, IP:1.2.3.4'], ips: [] }),
      /cannot write these SANs/,
    );
  });
});

describe('issuing certificates: what to issue', () => {
  const set = (use: 'client' | 'peer'): TlsFileSet => ({
    use,
    caFile: `${DIR}/ca.pem`,
    certFile: `${DIR}/member-etcd4.pem`,
    keyFile: `${DIR}/member-etcd4-key.pem`,
    variables: { ca: 'x', cert: 'y', key: 'z' },
  });
  const base = {
    name: 'etcd4',
    host: 'etcd4',
    sets: [set('client'), set('peer')],
    certDir: DIR,
    sans: SPEC.sans,
    expect: SPEC.expect,
    manifestFile: SPEC.manifestFile,
  };
  it("issues Kubespray's member pair once and the admin pair ETCDCTL_CERT/KEY name", () => {
    const vars = {
      ETCDCTL_CERT: `${DIR}/admin-etcd4.pem`,
      ETCDCTL_KEY: `${DIR}/admin-etcd4-key.pem`,
    };
    assert.deepEqual(issueSpecFor({ ...base, vars }), SPEC);
  });
  it('names the default admin pair by the inventory host (admin-node4.pem for member etcd4)', () => {
    assert.deepEqual(
      issueSpecFor({ ...base, host: 'node4', vars: {} }).pairs[1],
      {
        kind: 'admin',
        certFile: `${DIR}/admin-node4.pem`,
        keyFile: `${DIR}/admin-node4-key.pem`,
      },
    );
    assert.deepEqual(requestConfig('member', 'node4').slice(-1), [
      'CN = etcd-member-node4',
    ]);
  });
  it('puts the admin pair in certDir when the env names none, and refuses an env without certificates', () => {
    assert.deepEqual(
      issueSpecFor({ ...base, vars: {}, certDir: '/etc/etcd/pki' }).pairs[1],
      {
        kind: 'admin',
        certFile: '/etc/etcd/pki/admin-etcd4.pem',
        keyFile: '/etc/etcd/pki/admin-etcd4-key.pem',
      },
    );
    assert.throws(
      () => issueSpecFor({ ...base, vars: {}, sets: [] }),
      /names no certificate files/,
    );
  });
});

describe('issuing certificates: the CA host', () => {
  const ca = { certFile: `${DIR}/ca.pem`, keyFile: `${DIR}/ca-key.pem` };
  const good = () => ({
    [ca.certFile]: present(ca.certFile, {
      x509: x509({ fingerprint: CA_FP, isCa: true }),
      publicKeyHash: PUB,
    }),
    [ca.keyFile]: present(ca.keyFile, { publicKeyHash: PUB }),
  });
  it('accepts the cluster CA with its key', () =>
    assert.deepEqual(
      authorityProblems('10.0.0.11', ca, good(), SPEC.expect),
      [],
    ));
  it('refuses a missing key, a key of another CA, and another CA', () => {
    const p = good();
    p[ca.keyFile] = absent(ca.keyFile);
    assert.deepEqual(authorityProblems('10.0.0.11', ca, p, SPEC.expect), [
      `CA host 10.0.0.11: ${ca.keyFile}: cannot be read: No such file or directory`,
    ]);
    const q = good();
    q[ca.keyFile].publicKeyHash = 'b'.repeat(64);
    assert.deepEqual(authorityProblems('10.0.0.11', ca, q, SPEC.expect), [
      `CA host 10.0.0.11: ${ca.keyFile}: is not the key of the CA certificate ${ca.certFile}`,
    ]);
    assert.match(
      authorityProblems('10.0.0.11', ca, good(), {
        ...SPEC.expect,
        caFingerprint: 'AA',
      })[0],
      /^CA host 10\.0\.0\.11: \/etc\/ssl\/etcd\/ssl\/ca\.pem: is not the cluster's CA/,
    );
  });
});

describe('issuing certificates: the plan', () => {
  it('creates everything on a fresh node, folders parents first', () => {
    const plan = planIssue(
      '10.0.0.14',
      SPEC,
      fresh(),
      new Set(),
      new Set(['/etc']),
      NOW,
    );
    assert.deepEqual(plan, {
      problems: [],
      dirs: ['/etc/ssl', '/etc/ssl/etcd', DIR],
      writeCa: true,
      keys: [`${DIR}/member-etcd4-key.pem`, `${DIR}/admin-etcd4-key.pem`],
      sign: SPEC.pairs,
      kept: [],
    });
  });

  it('keeps what is good (a retry after success changes nothing)', () => {
    const plan = planIssue(
      '10.0.0.14',
      SPEC,
      issued(),
      new Set([SPEC.caFile, `${DIR}/member-etcd4.pem`]),
      all,
      NOW,
    );
    assert.deepEqual(plan, {
      problems: [],
      dirs: [],
      writeCa: false,
      keys: [],
      sign: [],
      kept: [
        SPEC.caFile,
        ...SPEC.pairs.flatMap((p) => [p.certFile, p.keyFile]),
      ],
    });
  });

  it('signs for an existing usable key, and redoes a key it created that is not usable', () => {
    const p = issued();
    p[`${DIR}/member-etcd4.pem`] = absent(`${DIR}/member-etcd4.pem`);
    delete p[`${DIR}/admin-etcd4-key.pem`].publicKeyHash; // a key this run began to write when the worker died
    const plan = planIssue(
      '10.0.0.14',
      SPEC,
      p,
      new Set([`${DIR}/admin-etcd4-key.pem`, `${DIR}/admin-etcd4.pem`]),
      all,
      NOW,
    );
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(plan.keys, [`${DIR}/admin-etcd4-key.pem`]);
    assert.deepEqual(plan.sign, SPEC.pairs);
    assert.deepEqual(plan.kept, [SPEC.caFile, `${DIR}/member-etcd4-key.pem`]);
  });

  it('refuses, changing nothing, what it did not create and cannot use', () => {
    const p = issued();
    p[`${DIR}/member-etcd4.pem`].x509 = x509({ ipAddresses: ['10.0.0.99'] });
    p[SPEC.caFile].x509 = x509({ fingerprint: 'AA', subject: 'CN = other-ca' });
    p[`${DIR}/admin-etcd4-key.pem`].stat = {
      mode: 0o644,
      owner: 'root',
      group: 'root',
    };
    const plan = planIssue('10.0.0.14', SPEC, p, new Set(), all, NOW);
    assert.deepEqual(plan.problems, [
      `10.0.0.14: ${SPEC.caFile}: exists but cannot be used (is not the cluster's CA: SHA-256 AA (CN = other-ca), the cluster's (etcd1:/etc/ssl/etcd/ssl/ca.pem) is ${CA_FP}); etcd-scaleout replaces only files it created: move it away or fix it`,
      `10.0.0.14: ${DIR}/member-etcd4.pem: exists but cannot be used (does not name 10.0.0.14 in its subjectAltName (it has DNS:localhost, IP:10.0.0.99)); etcd-scaleout replaces only files it created: move it away or fix it`,
      `10.0.0.14: ${DIR}/admin-etcd4.pem: exists but cannot be used (its key is open to every user (mode 644); make it 0600 or 0640); etcd-scaleout replaces only files it created: move it away or fix it`,
      `10.0.0.14: ${DIR}/admin-etcd4-key.pem: exists but cannot be used (is open to every user (mode 644); make it 0600 or 0640); etcd-scaleout replaces only files it created: move it away or fix it`,
    ]);
  });

  it('reads manifests and folder ancestry', () => {
    assert.deepEqual(
      parseManifest(
        `dir ${DIR}\nfile ${DIR}/ca.pem\nfile relative\n\nfile ${DIR}/ca.pem\n`,
      ),
      [
        { kind: 'dir', path: DIR },
        { kind: 'file', path: `${DIR}/ca.pem` },
        { kind: 'file', path: `${DIR}/ca.pem` },
      ],
    );
    assert.deepEqual(ancestors(DIR), [
      '/etc',
      '/etc/ssl',
      '/etc/ssl/etcd',
      DIR,
    ]);
  });
});
