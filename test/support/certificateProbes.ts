/**
 * The unit issue tests' node (test/unit/domain/certificates/certificateIssue.test.ts): the certificates
 * to issue for member etcd4 in Kubespray's folder (SPEC), and its files as the node's probe reads them
 * (certificateProbe.ts): absent on a fresh node, or present and good once issued.
 */

import type { IssueSpec } from '../../src/domain/certificates/certificateIssue';
import type {
  FileProbe,
  X509Facts,
} from '../../src/domain/certificates/certificates';

export const DIR = '/etc/ssl/etcd/ssl';
export const CA_FP =
  '5E:C1:E3:29:DB:0D:39:86:2C:C9:64:5A:9D:1C:E2:18:AE:92:4C:87:40:A9:74:57:4E:34:DD:38:C8:30:8A:E1';
export const PUB = 'a'.repeat(64);

export const x509 = (over: Partial<X509Facts> = {}): X509Facts => ({
  subject: 'CN = etcd-member-etcd4',
  issuer: 'CN = etcd-ca',
  notBefore: '2027-01-01T00:00:00.000Z',
  notAfter: '2028-01-01T00:00:00.000Z',
  dnsNames: ['localhost'],
  ipAddresses: ['10.0.0.14', '127.0.0.1'],
  extendedKeyUsage: [
    'TLS Web Client Authentication',
    'TLS Web Server Authentication',
  ],
  isCa: false,
  fingerprint: 'BB',
  ...over,
});
export const present = (
  path: string,
  more: Partial<FileProbe> = {},
): FileProbe => ({
  path,
  stat: { mode: 0o600, owner: 'etcd', group: 'root' },
  ...more,
});
export const absent = (path: string): FileProbe => ({
  path,
  stat: { missing: 'No such file or directory' },
});

export const SPEC: IssueSpec = {
  name: 'etcd4',
  host: 'etcd4',
  caFile: `${DIR}/ca.pem`,
  pairs: [
    {
      kind: 'member',
      certFile: `${DIR}/member-etcd4.pem`,
      keyFile: `${DIR}/member-etcd4-key.pem`,
    },
    {
      kind: 'admin',
      certFile: `${DIR}/admin-etcd4.pem`,
      keyFile: `${DIR}/admin-etcd4-key.pem`,
    },
  ],
  sans: { dns: ['localhost'], ips: ['10.0.0.14', '127.0.0.1'] },
  expect: {
    caFingerprint: CA_FP,
    caSource: 'etcd1:/etc/ssl/etcd/ssl/ca.pem',
    hosts: ['10.0.0.14'],
    minValidityDays: 30,
  },
  manifestFile: '/etc/etcd.env.etcd-scaleout-run.certificates',
};

/** A fresh node: nothing under /etc/ssl. */
export const fresh = (): Record<string, FileProbe> =>
  Object.fromEntries(
    [SPEC.caFile, ...SPEC.pairs.flatMap((p) => [p.certFile, p.keyFile])].map(
      (f) => [f, absent(f)],
    ),
  );
/** A node where everything was issued and is good. */
export function issued(): Record<string, FileProbe> {
  const p: Record<string, FileProbe> = {
    [SPEC.caFile]: present(SPEC.caFile, {
      x509: x509({ fingerprint: CA_FP, isCa: true }),
    }),
  };
  for (const pair of SPEC.pairs) {
    p[pair.certFile] = present(pair.certFile, {
      x509: x509(),
      publicKeyHash: `${pair.kind}${PUB}`.slice(0, 64),
      verify: { ok: true },
    });
    p[pair.keyFile] = present(pair.keyFile, {
      publicKeyHash: `${pair.kind}${PUB}`.slice(0, 64),
    });
  }
  return p;
}
