/**
 * What a certificate etcd-scaleout has signed must be, checked before anything is signed and before
 * it is written to the node (issue 17): the node makes the CSR, so the node could ask for any
 * subject (`CN=root`, another member's CN) or any key. The CSR must ask for exactly the subject the
 * worker sets (Kubespray's, issuedSubject) for the key the node holds; the signed certificate must
 * then carry exactly that subject, exactly the planned SANs, the CSR's key, CA:FALSE, client and
 * server use, and be issued by the cluster's CA. Pure (parsing and comparing); the activity acts.
 */
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { SubjectAltNames } from './certificateIssue';
import { normalizeIp } from './certificates';

/** The PEM blocks of one label in `text` (`CERTIFICATE REQUEST`, `PUBLIC KEY`, ...), in order. */
export function pemBlocks(text: string, label: string): string[] {
  const re = new RegExp(
    `-----BEGIN ${label}-----\\r?\\n[A-Za-z0-9+/=\\r\\n]*?-----END ${label}-----`,
    'g',
  );
  return (text.match(re) ?? []).map((b) => `${b}\n`);
}

interface Tlv {
  tag: number;
  /** Where the value starts and ends (the header is before `start`). */
  start: number;
  end: number;
  /** Where the whole TLV starts. */
  from: number;
}

/** One DER TLV at `pos`; throws on anything malformed or running past `limit`. */
function tlvAt(der: Buffer, pos: number, limit = der.length): Tlv {
  if (pos + 2 > limit) throw new Error('truncated DER');
  const tag = der[pos];
  let len = der[pos + 1];
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4 || start + n > limit) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new Error('truncated DER');
  return { tag, start, end, from: pos };
}

/** The TLVs inside a constructed TLV. */
function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.start; pos < parent.end; ) {
    const t = tlvAt(der, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

function oidText(bytes: Buffer): string {
  const parts = [Math.floor(bytes[0] / 40), bytes[0] % 40];
  let v = 0;
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** A directory string's text (UTF8, Printable, IA5, Teletex as Latin-1, BMP as UTF-16BE). */
function stringValue(der: Buffer, t: Tlv): string {
  const bytes = der.subarray(t.start, t.end);
  if (t.tag === 0x1e) return Buffer.from(bytes).swap16().toString('utf16le');
  return t.tag === 0x14 ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** A Name as Node's X509Certificate writes a subject: `CN=...` per attribute, one a line. */
function nameText(der: Buffer, name: Tlv): string {
  return children(der, name)
    .flatMap((rdn) => children(der, rdn))
    .map((attr) => {
      const [oid, value] = children(der, attr);
      const id = oidText(der.subarray(oid.start, oid.end));
      return `${SHORT_NAMES[id] ?? id}=${stringValue(der, value)}`;
    })
    .join('\n');
}

/** A CSR's subject and public key, from its PEM (PKCS#10); throws when it is not one. */
export function parseCsr(pem: string): { subject: string; key: KeyObject } {
  const [block] = pemBlocks(pem, 'CERTIFICATE REQUEST');
  if (!block) throw new Error('not a PEM certificate request');
  const der = Buffer.from(
    block.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
    'base64',
  );
  const outer = tlvAt(der, 0);
  const [info] = children(der, outer);
  const [, subject, spki] = children(der, info);
  if (subject?.tag !== 0x30 || spki?.tag !== 0x30)
    throw new Error('not a certificate request');
  return {
    subject: nameText(der, subject),
    key: createPublicKey({
      key: der.subarray(spki.from, spki.end),
      format: 'der',
      type: 'spki',
    }),
  };
}

const sameKey = (a: KeyObject, b: KeyObject) =>
  a
    .export({ type: 'spki', format: 'der' })
    .equals(b.export({ type: 'spki', format: 'der' }));

const shown = (subject: string) => JSON.stringify(subject.replace(/\n/g, ', '));

/**
 * Why a CSR must not be signed: its subject is not `subject` exactly, or its key is not the node's
 * (`nodeKeyPem`, the public half of the key file, read on the node). Empty when it may be.
 */
export function csrProblems(
  csrPem: string,
  expect: { subject: string; nodeKeyPem: string },
): string[] {
  let csr: ReturnType<typeof parseCsr>;
  try {
    csr = parseCsr(csrPem);
  } catch (err) {
    return [`the node's CSR cannot be read: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  if (csr.subject !== expect.subject)
    problems.push(
      `the node's CSR asks for subject ${shown(csr.subject)}, not ${shown(expect.subject)}`,
    );
  try {
    if (!sameKey(csr.key, createPublicKey(expect.nodeKeyPem)))
      problems.push("the node's CSR is not for the node's key");
  } catch (err) {
    problems.push(
      `the node's public key cannot be read: ${(err as Error).message}`,
    );
  }
  return problems;
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** `DNS:a, IP Address:b` (Node's form) as comparable sets. */
function sanSets(text: string | undefined) {
  const entries = (text ?? '').split(', ').filter(Boolean);
  const of = (prefix: string) =>
    entries
      .filter((e) => e.startsWith(prefix))
      .map((e) => e.slice(prefix.length));
  const dns = of('DNS:').map((d) => d.toLowerCase());
  const ips = of('IP Address:').map(normalizeIp);
  return { dns, ips, others: entries.length > dns.length + ips.length };
}

const sameSet = (a: string[], b: string[]) =>
  JSON.stringify([...new Set(a)].sort()) ===
  JSON.stringify([...new Set(b)].sort());

/**
 * Why a certificate the CA host signed must not be used: not exactly the subject, SANs and key asked
 * for, a CA, not for client and server use, or not issued by the cluster's CA. Empty when it may be.
 */
export function signedCertificateProblems(
  pem: string,
  expect: {
    subject: string;
    sans: SubjectAltNames;
    csrPem: string;
    caPem: string;
  },
): string[] {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(pem);
    ca = new X509Certificate(expect.caPem);
  } catch (err) {
    return [`the signed certificate cannot be read: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  if (cert.subject !== expect.subject)
    problems.push(
      `its subject is ${shown(cert.subject)}, not ${shown(expect.subject)}`,
    );
  const sans = sanSets(cert.subjectAltName);
  const wanted = {
    dns: expect.sans.dns.map((d) => d.toLowerCase()),
    ips: expect.sans.ips.map(normalizeIp),
  };
  if (
    !sameSet(sans.dns, wanted.dns) ||
    !sameSet(sans.ips, wanted.ips) ||
    sans.others
  )
    problems.push(
      `its subjectAltName is ${JSON.stringify(cert.subjectAltName ?? '')}, not the planned ${JSON.stringify([...wanted.dns.map((d) => `DNS:${d}`), ...wanted.ips.map((i) => `IP Address:${i}`)].join(', '))}`,
    );
  try {
    if (!sameKey(cert.publicKey, parseCsr(expect.csrPem).key))
      problems.push("its public key is not the CSR's");
  } catch (err) {
    problems.push(`the CSR cannot be read: ${(err as Error).message}`);
  }
  if (cert.ca) problems.push('it is a CA certificate (CA:TRUE)');
  const uses = cert.keyUsage ?? [];
  if (!uses.includes(CLIENT_AUTH) || !uses.includes(SERVER_AUTH))
    problems.push('it is not for both client and server authentication');
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    problems.push("it is not issued by the cluster's CA");
  return problems;
}
