import assert from 'node:assert/strict';
import {
  type CertificateExpectations,
  certificateNames,
  certificateProblems,
  type FileProbe,
  hostsToCover,
  normalizeIp,
  parseOpensslDate,
  parsePublicKeyHash,
  parseStat,
  parseVerify,
  parseX509Text,
} from '../../src/domain/certificates';
import type { TlsFileSet } from '../../src/domain/tlsFiles';

/** `openssl x509 -in member-node1.pem -noout -text -certopt no_pubkey,no_sigdump -fingerprint -sha256` (OpenSSL 3.0). */
const MEMBER_TEXT = `Certificate:
    Data:
        Version: 3 (0x2)
        Serial Number: 305441741 (0x1234abcd)
        Signature Algorithm: sha256WithRSAEncryption
        Issuer: CN = etcd-ca
        Validity
            Not Before: Nov 26 10:19:22 2026 GMT
            Not After : Nov 26 10:19:22 2027 GMT
        Subject: CN = etcd-member-node1
        X509v3 extensions:
            X509v3 Extended Key Usage: 
                TLS Web Client Authentication, TLS Web Server Authentication
            X509v3 Basic Constraints: 
                CA:FALSE
            X509v3 Subject Key Identifier: 
                E1:53:C0:90:CE:79:D2:2F:B7:29:95:CE:C3:2C:4F:C8:9A:19:EB:BE
            X509v3 Authority Key Identifier: 
                E4:7D:4C:DF:88:4C:5A:E8:D6:DF:3C:B0:47:65:A9:F6:8E:02:72:96
            X509v3 Subject Alternative Name: 
                DNS:localhost, DNS:node1, DNS:*.etcd.example.com, IP Address:10.0.0.11, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1
sha256 Fingerprint=58:5D:74:A7:9B:FA:93:D1:0F:EA:36:F1:13:8E:FE:AD:8C:34:7D:30:D2:38:E2:A1:B1:AC:26:3A:08:D4:E8:12
`;

/** The same for Kubespray's CA (`openssl req -x509 -new -subj /CN=etcd-ca`), OpenSSL 1.1.1 spelling of the fingerprint. */
const CA_TEXT = `Certificate:
    Data:
        Version: 3 (0x2)
        Serial Number:
            5e:0c:2a:33:10:8e:6b:46:4a:2f:6e:4b:39:aa:ee:05:73:4c:71:d1
        Signature Algorithm: sha256WithRSAEncryption
        Issuer: CN = etcd-ca
        Validity
            Not Before: Nov 26 10:19:22 2026 GMT
            Not After : Apr 13 10:19:22 2054 GMT
        Subject: CN = etcd-ca
        X509v3 extensions:
            X509v3 Subject Key Identifier: 
                E4:7D:4C:DF:88:4C:5A:E8:D6:DF:3C:B0:47:65:A9:F6:8E:02:72:96
            X509v3 Authority Key Identifier: 
                E4:7D:4C:DF:88:4C:5A:E8:D6:DF:3C:B0:47:65:A9:F6:8E:02:72:96
            X509v3 Basic Constraints: critical
                CA:TRUE
SHA256 Fingerprint=5E:C1:E3:29:DB:0D:39:86:2C:C9:64:5A:9D:1C:E2:18:AE:92:4C:87:40:A9:74:57:4E:34:DD:38:C8:30:8A:E1
`;

const CA_FP =
  '5E:C1:E3:29:DB:0D:39:86:2C:C9:64:5A:9D:1C:E2:18:AE:92:4C:87:40:A9:74:57:4E:34:DD:38:C8:30:8A:E1';
const PUB = '4f1e7c4a0a9b6a8e2d2c3f3b0f8f4d0e1e6b5a1a9c3d2e7f8a9b0c1d2e3f4a5b';
const DIR = '/etc/ssl/etcd/ssl';
const NOW = Date.parse('2027-01-15T00:00:00Z');

function parsed(text: string) {
  const x = parseX509Text(text);
  if (!x) throw new Error('not parsed');
  return x;
}
const member = parsed(MEMBER_TEXT);
const ca = parsed(CA_TEXT);

const SETS: TlsFileSet[] = [
  {
    use: 'client',
    caFile: `${DIR}/ca.pem`,
    certFile: `${DIR}/member-node1.pem`,
    keyFile: `${DIR}/member-node1-key.pem`,
    variables: {
      ca: 'ETCD_TRUSTED_CA_FILE',
      cert: 'ETCD_CERT_FILE',
      key: 'ETCD_KEY_FILE',
    },
  },
  {
    use: 'peer',
    caFile: `${DIR}/ca.pem`,
    certFile: `${DIR}/member-node1.pem`,
    keyFile: `${DIR}/member-node1-key.pem`,
    variables: {
      ca: 'ETCD_PEER_TRUSTED_CA_FILE',
      cert: 'ETCD_PEER_CERT_FILE',
      key: 'ETCD_PEER_KEY_FILE',
    },
  },
];

const EXPECT: CertificateExpectations = {
  caFingerprint: CA_FP,
  caSource: `etcd1:${DIR}/ca.pem`,
  hosts: ['10.0.0.11'],
  minValidityDays: 30,
};

/** What the probe finds on a healthy node1, with `change` applied. */
function probes(
  change: (p: Record<string, FileProbe>) => void = () => {},
): Record<string, FileProbe> {
  const p: Record<string, FileProbe> = {
    [`${DIR}/ca.pem`]: {
      path: `${DIR}/ca.pem`,
      stat: { mode: 0o640, owner: 'etcd', group: 'root' },
      x509: ca,
      publicKeyHash: 'c'.repeat(64),
    },
    [`${DIR}/member-node1.pem`]: {
      path: `${DIR}/member-node1.pem`,
      stat: { mode: 0o640, owner: 'etcd', group: 'root' },
      x509: member,
      publicKeyHash: PUB,
      verify: { ok: true },
    },
    [`${DIR}/member-node1-key.pem`]: {
      path: `${DIR}/member-node1-key.pem`,
      stat: { mode: 0o600, owner: 'etcd', group: 'root' },
      publicKeyHash: PUB,
    },
  };
  change(p);
  return p;
}

const problemsOf = (
  p: Record<string, FileProbe>,
  expect: Partial<CertificateExpectations> = {},
  now = NOW,
) => certificateProblems('10.0.0.11', SETS, p, { ...EXPECT, ...expect }, now);

describe('certificate facts from openssl output', () => {
  it('parses a Kubespray member certificate', () => {
    assert.deepEqual(member, {
      subject: 'CN = etcd-member-node1',
      issuer: 'CN = etcd-ca',
      notBefore: '2026-11-26T10:19:22.000Z',
      notAfter: '2027-11-26T10:19:22.000Z',
      dnsNames: ['localhost', 'node1', '*.etcd.example.com'],
      ipAddresses: ['10.0.0.11', '127.0.0.1', '0:0:0:0:0:0:0:1'],
      extendedKeyUsage: [
        'TLS Web Client Authentication',
        'TLS Web Server Authentication',
      ],
      isCa: false,
      fingerprint:
        '58:5D:74:A7:9B:FA:93:D1:0F:EA:36:F1:13:8E:FE:AD:8C:34:7D:30:D2:38:E2:A1:B1:AC:26:3A:08:D4:E8:12',
    });
  });

  it('parses a CA (no SANs, no key usage), with either spelling of the fingerprint', () => {
    assert.equal(ca.isCa, true);
    assert.deepEqual(
      [ca.dnsNames, ca.ipAddresses, ca.extendedKeyUsage],
      [[], [], undefined],
    );
    assert.equal(ca.fingerprint, CA_FP);
    assert.equal(ca.notAfter, '2054-04-13T10:19:22.000Z');
  });

  it('is undefined for what openssl says about a file that is not a certificate', () => {
    assert.equal(
      parseX509Text(
        'Could not read certificate from /etc/ssl/etcd/ssl/ca.pem\nUnable to load certificate\n',
      ),
      undefined,
    );
    assert.equal(parseX509Text(''), undefined);
  });

  it('reads dates, IPs, verify results, public key hashes and stat', () => {
    assert.equal(
      parseOpensslDate('Jan  5 01:02:03 2026 GMT'),
      '2026-01-05T01:02:03.000Z',
    );
    assert.equal(parseOpensslDate('Foo  5 01:02:03 2026 GMT'), undefined);
    assert.equal(normalizeIp('[::1]'), '0:0:0:0:0:0:0:1');
    assert.equal(normalizeIp('2001:DB8::0001'), '2001:db8:0:0:0:0:0:1');
    assert.equal(normalizeIp('10.0.0.14'), '10.0.0.14');
    assert.deepEqual(parseVerify('/etc/ssl/etcd/ssl/member-node1.pem: OK\n'), {
      ok: true,
    });
    assert.deepEqual(
      parseVerify(
        'CN = etcd-member-node1\nerror 20 at 0 depth lookup: unable to get local issuer certificate\nerror member.pem: verification failed\n',
      ),
      { ok: false, reason: 'unable to get local issuer certificate' },
    );
    assert.deepEqual(parseVerify('Unable to load certificate file\n'), {
      ok: false,
      reason: 'Unable to load certificate file',
    });
    assert.equal(parsePublicKeyHash(`${PUB}  -\n`), PUB);
    assert.equal(parsePublicKeyHash(''), undefined);
    assert.deepEqual(parseStat('600 etcd root\n'), {
      mode: 0o600,
      owner: 'etcd',
      group: 'root',
    });
    assert.deepEqual(
      parseStat(
        "stat: cannot statx '/etc/ssl/etcd/ssl/x.pem': No such file or directory\n",
      ),
      { missing: 'No such file or directory' },
    );
  });

  it('matches hosts: IPs against IP SANs, names against DNS SANs and one-label wildcards', () => {
    assert.ok(certificateNames(member, '10.0.0.11'));
    assert.ok(certificateNames(member, '[::1]'));
    assert.ok(!certificateNames(member, '10.0.0.14'));
    assert.ok(certificateNames(member, 'NODE1'));
    assert.ok(certificateNames(member, 'etcd4.etcd.example.com'));
    assert.ok(!certificateNames(member, 'a.b.etcd.example.com'));
    assert.ok(!certificateNames(member, 'etcd.example.com'));
    assert.ok(!certificateNames(member, 'localhost.localdomain'));
  });

  it('asks a new member certificate to name its URL hosts and listen IP', () => {
    assert.deepEqual(
      hostsToCover({
        peerURL: 'https://10.0.0.14:2380',
        clientURL: 'https://10.0.0.14:2379',
      }),
      ['10.0.0.14'],
    );
    assert.deepEqual(
      hostsToCover({
        peerURL: 'https://etcd4.example.com:2380',
        clientURL: 'https://etcd4.example.com:2379',
        listenAddress: '10.0.0.14',
      }),
      ['etcd4.example.com', '10.0.0.14'],
    );
  });
});

describe('certificate problems of a member', () => {
  it('finds none in a good set', () => {
    assert.deepEqual(problemsOf(probes()), []);
  });

  it('names a host the certificate lacks, once for both variables that name the file', () => {
    assert.deepEqual(problemsOf(probes(), { hosts: ['10.0.0.14', 'node1'] }), [
      `10.0.0.11: ${DIR}/member-node1.pem (ETCD_CERT_FILE, ETCD_PEER_CERT_FILE): does not name 10.0.0.14 in its subjectAltName (it has DNS:localhost, DNS:node1, DNS:*.etcd.example.com, IP:10.0.0.11, IP:127.0.0.1, IP:0:0:0:0:0:0:0:1)`,
    ]);
  });

  it('refuses an expired certificate, one that expires too soon, and one not yet valid', () => {
    assert.match(
      problemsOf(probes(), {}, Date.parse('2028-01-01T00:00:00Z')).join('\n'),
      /member-node1\.pem \(ETCD_CERT_FILE, ETCD_PEER_CERT_FILE\): expired on 2027-11-26$/,
    );
    assert.match(
      problemsOf(probes(), {}, Date.parse('2027-11-16T10:19:22Z')).join('\n'),
      /: expires on 2027-11-26, in 10 day\(s\): less than strategy\.minCertValidityDays \(30\)$/,
    );
    assert.deepEqual(
      problemsOf(
        probes(),
        { minValidityDays: 5 },
        Date.parse('2027-11-16T10:19:22Z'),
      ),
      [],
    );
    assert.match(
      problemsOf(probes(), {}, Date.parse('2026-01-01T00:00:00Z')).join('\n'),
      /: is not valid before 2026-11-26T10:19:22\.000Z$/,
    );
  });

  it('refuses a key that does not match, is unreadable, or is open to everyone', () => {
    assert.deepEqual(
      problemsOf(
        probes(
          (p) =>
            (p[`${DIR}/member-node1-key.pem`].publicKeyHash = 'f'.repeat(64)),
        ),
      ),
      [
        `10.0.0.11: ${DIR}/member-node1-key.pem (ETCD_KEY_FILE, ETCD_PEER_KEY_FILE): does not match the certificate ${DIR}/member-node1.pem (their public keys differ)`,
      ],
    );
    assert.match(
      problemsOf(
        probes((p) => delete p[`${DIR}/member-node1-key.pem`].publicKeyHash),
      ).join('\n'),
      /-key\.pem \(ETCD_KEY_FILE, ETCD_PEER_KEY_FILE\): is not a private key openssl can read without a passphrase$/,
    );
    assert.match(
      problemsOf(
        probes(
          (p) =>
            (p[`${DIR}/member-node1-key.pem`].stat = {
              mode: 0o644,
              owner: 'root',
              group: 'root',
            }),
        ),
      ).join('\n'),
      /is open to every user \(mode 644\); make it 0600 or 0640$/,
    );
  });

  it("refuses another CA: the node's CA file, and a certificate that does not chain to it", () => {
    const other = {
      ...ca,
      fingerprint: `${'AA:'.repeat(31)}AA`,
      subject: 'CN = other-ca',
    };
    assert.deepEqual(
      problemsOf(probes((p) => (p[`${DIR}/ca.pem`].x509 = other))),
      [
        `10.0.0.11: ${DIR}/ca.pem (ETCD_TRUSTED_CA_FILE, ETCD_PEER_TRUSTED_CA_FILE): is not the cluster's CA: SHA-256 ${other.fingerprint} (CN = other-ca), the cluster's (etcd1:${DIR}/ca.pem) is ${CA_FP}`,
      ],
    );
    assert.deepEqual(
      problemsOf(
        probes(
          (p) =>
            (p[`${DIR}/member-node1.pem`].verify = {
              ok: false,
              reason: 'unable to get local issuer certificate',
            }),
        ),
      ),
      [
        `10.0.0.11: ${DIR}/member-node1.pem (ETCD_CERT_FILE, ETCD_PEER_CERT_FILE): does not chain to the CA in ${DIR}/ca.pem: unable to get local issuer certificate`,
      ],
    );
  });

  it('names missing files, and a certificate without the uses etcd needs', () => {
    const missing = problemsOf(
      probes((p) => {
        for (const f of Object.values(p))
          f.stat = { missing: 'No such file or directory' };
        delete p[`${DIR}/member-node1.pem`].x509;
      }),
    );
    assert.deepEqual(missing, [
      `10.0.0.11: ${DIR}/ca.pem (ETCD_TRUSTED_CA_FILE, ETCD_PEER_TRUSTED_CA_FILE): cannot be read: No such file or directory`,
      `10.0.0.11: ${DIR}/member-node1.pem (ETCD_CERT_FILE, ETCD_PEER_CERT_FILE): cannot be read: No such file or directory`,
      `10.0.0.11: ${DIR}/member-node1-key.pem (ETCD_KEY_FILE, ETCD_PEER_KEY_FILE): cannot be read: No such file or directory`,
    ]);
    const serverOnly = problemsOf(
      probes(
        (p) =>
          (p[`${DIR}/member-node1.pem`].x509 = {
            ...member,
            extendedKeyUsage: ['TLS Web Server Authentication'],
          }),
      ),
    );
    assert.deepEqual(serverOnly, [
      `10.0.0.11: ${DIR}/member-node1.pem (ETCD_PEER_CERT_FILE): lacks TLS Web Client Authentication in its extended key usage (etcd needs it for peer connections)`,
    ]);
  });
});
