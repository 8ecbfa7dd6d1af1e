/**
 * Certificate checks for a new member: what openssl prints on a node, parsed, and what is wrong with
 * it. Pure, so it is unit tested on literal openssl output. Only public material is ever parsed:
 * certificates, and hashes of public keys (a key's own bytes never leave its node).
 */

import { isIpAddress, listenURLs, type NewMember } from '../request/request';
import type { TlsFileSet } from './tlsFiles';

/** What `openssl x509 -noout -text -certopt no_pubkey,no_sigdump -fingerprint -sha256` shows. */
export interface X509Facts {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  dnsNames: string[];
  /** Normalised (IPv6 uncompressed, lowercase, no brackets). */
  ipAddresses: string[];
  /** Absent when the certificate has no extendedKeyUsage extension (then any use is allowed). */
  extendedKeyUsage?: string[];
  isCa: boolean;
  /** SHA-256, uppercase hex pairs joined by ":" as openssl prints it. */
  fingerprint: string;
}

const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
];

/** openssl's `Nov  6 10:19:22 2026 GMT` -> ISO 8601, or undefined. */
export function parseOpensslDate(text: string): string | undefined {
  const m =
    /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s+GMT$/.exec(
      text.trim(),
    );
  if (!m || !MONTHS.includes(m[1])) return undefined;
  const [, mon, day, h, min, s, y] = m;
  return new Date(
    Date.UTC(
      Number(y),
      MONTHS.indexOf(mon),
      Number(day),
      Number(h),
      Number(min),
      Number(s),
    ),
  ).toISOString();
}

/** An IP as a comparable string: no brackets, IPv6 as eight lowercase groups without leading zeros. */
export function normalizeIp(ip: string): string {
  const bare = ip.replace(/^\[|\]$/g, '').toLowerCase();
  if (!bare.includes(':')) return bare;
  const [head, tail = ''] = bare.split('::');
  const h = head ? head.split(':') : [];
  const t = bare.includes('::') && tail ? tail.split(':') : [];
  const groups = bare.includes('::')
    ? [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t]
    : h;
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** An extension's value: the lines indented below its `X509v3 <name>:` header, joined. */
function extension(text: string, name: string): string | undefined {
  const lines = text.split('\n');
  const at = lines.findIndex(
    (l) => l.trim().replace(/:\s*(critical)?$/, '') === `X509v3 ${name}`,
  );
  if (at < 0) return undefined;
  const indent = (l: string) => l.length - l.trimStart().length;
  const body: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.trim() || indent(l) <= indent(lines[at])) break;
    body.push(l.trim());
  }
  return body.join(' ');
}

/** Parses openssl's text form of a certificate; undefined when it is not one (unreadable, not PEM). */
export function parseX509Text(text: string): X509Facts | undefined {
  const field = (re: RegExp) => re.exec(text)?.[1]?.trim();
  const notBefore = parseOpensslDate(field(/Not Before\s*:\s*(.+)/) ?? '');
  const notAfter = parseOpensslDate(field(/Not After\s*:\s*(.+)/) ?? '');
  const fingerprint = field(/^sha256 Fingerprint=([0-9A-F:]+)\s*$/im);
  if (!notBefore || !notAfter || !fingerprint) return undefined;
  const sans = (extension(text, 'Subject Alternative Name') ?? '')
    .split(/,\s*/)
    .filter(Boolean);
  const eku = extension(text, 'Extended Key Usage');
  return {
    subject: field(/^\s*Subject:\s*(.*)$/m) ?? '',
    issuer: field(/^\s*Issuer:\s*(.*)$/m) ?? '',
    notBefore,
    notAfter,
    dnsNames: sans
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4).toLowerCase()),
    ipAddresses: sans
      .filter((s) => s.startsWith('IP Address:'))
      .map((s) => normalizeIp(s.slice(11))),
    ...(eku !== undefined
      ? { extendedKeyUsage: eku.split(/,\s*/).filter(Boolean) }
      : {}),
    isCa: /CA:TRUE/.test(extension(text, 'Basic Constraints') ?? ''),
    fingerprint: fingerprint.toUpperCase(),
  };
}

/** `openssl verify` output: OK, or the reason it gives (`unable to get local issuer certificate`). */
export function parseVerify(output: string): { ok: boolean; reason?: string } {
  if (/: OK\s*$/m.test(output)) return { ok: true };
  const reason =
    /error \d+ at \d+ depth lookup: (.+)/.exec(output)?.[1]?.trim() ??
    output.trim().split('\n').slice(-1)[0] ??
    'no output';
  return { ok: false, reason };
}

/** `<64 hex>  -` from sha256sum of a public key; undefined when openssl could not read the file. */
export const parsePublicKeyHash = (output: string): string | undefined =>
  /^([0-9a-f]{64})\s/m.exec(output)?.[1];

/** `stat -c '%a %U %G'` output, or why the file could not be looked at. */
export function parseStat(
  output: string,
): { mode: number; owner: string; group: string } | { missing: string } {
  const m = /^([0-7]{3,4}) (\S+) (\S+)$/m.exec(output);
  if (m) return { mode: parseInt(m[1], 8), owner: m[2], group: m[3] };
  return {
    missing:
      /: ([^:\n]+)\s*$/.exec(output.trim())?.[1] ??
      (output.trim() || 'cannot stat'),
  };
}

/** What a probe found for one file on a node. */
export interface FileProbe {
  path: string;
  stat: ReturnType<typeof parseStat>;
  x509?: X509Facts;
  publicKeyHash?: string;
  /** For a certificate: checked against its set's CA file on the node. */
  verify?: { ok: boolean; reason?: string };
}

export interface CertificateExpectations {
  /** SHA-256 fingerprint of the cluster's CA, read from a healthy member. */
  caFingerprint: string;
  /** Where that fingerprint was read, for messages (`etcd1:/etc/ssl/etcd/ssl/ca.pem`). */
  caSource: string;
  /** Hosts the certificate must name: the member's peer and client URL hosts and its listen IP. */
  hosts: string[];
  minValidityDays: number;
}

/** The hosts a new member's certificate must name (its own source address for peer auth too). */
export function hostsToCover(
  member: Pick<NewMember, 'peerURL' | 'clientURL' | 'listenAddress'>,
): string[] {
  const listen = listenURLs(member);
  return [
    ...new Set(
      [member.peerURL, member.clientURL, listen.peer, listen.client].map(
        (u) => new URL(u).hostname,
      ),
    ),
  ];
}

/** Whether a certificate names `host`: IPs against IP SANs, names against DNS SANs (one-label `*.`). */
export function certificateNames(x509: X509Facts, host: string): boolean {
  if (isIpAddress(host) || host.includes(':'))
    return x509.ipAddresses.includes(normalizeIp(host));
  const h = host.toLowerCase();
  return x509.dnsNames.some(
    (d) =>
      d === h ||
      (d.startsWith('*.') &&
        h.slice(h.indexOf('.') + 1) === d.slice(2) &&
        h.indexOf('.') > 0),
  );
}

const DAY_MS = 86_400_000;
const day = (iso: string) => iso.slice(0, 10);
/** etcd uses a member certificate as a server (clients, peers) and as a client (peers). */
const USES = {
  client: ['TLS Web Server Authentication'],
  peer: ['TLS Web Server Authentication', 'TLS Web Client Authentication'],
};

export function whyMissing(p: FileProbe | undefined): string | undefined {
  if (!p) return 'was not probed';
  return 'missing' in p.stat ? `cannot be read: ${p.stat.missing}` : undefined;
}

/** Problems of one certificate file (chain, validity, names, uses), as reasons. */
function certificateReasons(
  set: TlsFileSet,
  cert: FileProbe,
  expect: CertificateExpectations,
  now: number,
): string[] {
  if (!cert.x509) return ['is not a PEM certificate openssl can read'];
  const x = cert.x509;
  const out: string[] = [];
  if (cert.verify && !cert.verify.ok)
    out.push(
      `does not chain to the CA in ${set.caFile}: ${cert.verify.reason}`,
    );
  const after = Date.parse(x.notAfter);
  if (Date.parse(x.notBefore) > now)
    out.push(`is not valid before ${x.notBefore}`);
  if (after <= now) out.push(`expired on ${day(x.notAfter)}`);
  else if (after - now < expect.minValidityDays * DAY_MS) {
    out.push(
      `expires on ${day(x.notAfter)}, in ${Math.floor((after - now) / DAY_MS)} day(s): less than strategy.minCertValidityDays (${expect.minValidityDays})`,
    );
  }
  const unnamed = expect.hosts.filter((h) => !certificateNames(x, h));
  if (unnamed.length) {
    const has =
      [
        ...x.dnsNames.map((d) => `DNS:${d}`),
        ...x.ipAddresses.map((i) => `IP:${i}`),
      ].join(', ') || 'none';
    out.push(
      `does not name ${unnamed.join(', ')} in its subjectAltName (it has ${has})`,
    );
  }
  const eku = x.extendedKeyUsage;
  const lacking = eku ? USES[set.use].filter((u) => !eku.includes(u)) : [];
  if (lacking.length)
    out.push(
      `lacks ${lacking.join(' and ')} in its extended key usage (etcd needs it for ${set.use} connections)`,
    );
  return out;
}

/** Problems of a private key file of its own (readable, not open to everyone), as reasons. */
export function keyReasons(key: FileProbe): string[] {
  const missing = whyMissing(key);
  if (missing) return [missing];
  const out: string[] = [];
  if (!key.publicKeyHash)
    out.push('is not a private key openssl can read without a passphrase');
  if ('mode' in key.stat && key.stat.mode & 0o007)
    out.push(
      `is open to every user (mode ${key.stat.mode.toString(8)}); make it 0600 or 0640`,
    );
  return out;
}

/** What is wrong with a certificate and its key on a node, as reasons per file. */
export function pairReasons(
  set: TlsFileSet,
  cert: FileProbe | undefined,
  key: FileProbe | undefined,
  expect: CertificateExpectations,
  now: number,
): { cert: string[]; key: string[] } {
  const certMissing = whyMissing(cert);
  const keyOut = keyReasons(
    key ?? { path: set.keyFile, stat: { missing: 'was not probed' } },
  );
  if (
    key?.publicKeyHash &&
    cert?.publicKeyHash &&
    key.publicKeyHash !== cert.publicKeyHash
  ) {
    keyOut.push(
      `does not match the certificate ${set.certFile} (their public keys differ)`,
    );
  }
  return {
    cert:
      certMissing || !cert
        ? [certMissing ?? 'was not probed']
        : certificateReasons(set, cert, expect, now),
    key: keyOut,
  };
}

/** What is wrong with a CA file: unreadable, or not the cluster's CA. */
export function caReasons(
  ca: FileProbe | undefined,
  expect: Pick<CertificateExpectations, 'caFingerprint' | 'caSource'>,
): string[] {
  const missing = whyMissing(ca);
  if (missing || !ca) return [missing ?? 'was not probed'];
  if (!ca.x509) return ['is not a PEM certificate openssl can read'];
  if (ca.x509.fingerprint === expect.caFingerprint.toUpperCase()) return [];
  return [
    `is not the cluster's CA: SHA-256 ${ca.x509.fingerprint} (${ca.x509.subject}), the cluster's (${expect.caSource}) is ${expect.caFingerprint}`,
  ];
}

/**
 * Everything wrong with the TLS files of one env on one node, one line per file and reason, naming
 * the node, the file and the variables that name it. Empty when the member can start with them.
 */
export function certificateProblems(
  node: string,
  sets: TlsFileSet[],
  probes: Record<string, FileProbe>,
  expect: CertificateExpectations,
  now: number,
): string[] {
  const found = new Map<
    string,
    { path: string; reason: string; vars: Set<string> }
  >();
  const add = (path: string, variable: string, reasons: string[]) => {
    for (const reason of reasons) {
      const k = `${path}\n${reason}`;
      const entry = found.get(k) ?? { path, reason, vars: new Set<string>() };
      entry.vars.add(variable);
      found.set(k, entry);
    }
  };
  for (const set of sets) {
    add(set.caFile, set.variables.ca, caReasons(probes[set.caFile], expect));
    const pair = pairReasons(
      set,
      probes[set.certFile],
      probes[set.keyFile],
      expect,
      now,
    );
    add(set.certFile, set.variables.cert, pair.cert);
    add(set.keyFile, set.variables.key, pair.key);
  }
  return [...found.values()].map(
    (f) => `${node}: ${f.path} (${[...f.vars].join(', ')}): ${f.reason}`,
  );
}
