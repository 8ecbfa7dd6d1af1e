/** The certificate problems of a member's TLS files: hosts, validity, keys, modes, the CA and missing files. */
import assert from 'node:assert/strict';
import {
  type CertificateExpectations,
  certificateProblems,
  type FileProbe,
} from '../../../../src/domain/certificates/certificates';
import type { TlsFileSet } from '../../../../src/domain/certificates/tlsFiles';
import { CA_FP, ca, member, PUB } from '../../../support/certificateTexts';

const DIR = '/etc/ssl/etcd/ssl';
const NOW = Date.parse('2027-01-15T00:00:00Z');

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
