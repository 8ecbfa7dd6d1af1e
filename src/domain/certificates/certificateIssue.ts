/**
 * Issuing a new member's certificates the way Kubespray's make-ssl-etcd.sh does (key and CSR on the
 * node, signed with `openssl x509 -req` on the CA host): the SAN list, the openssl configs, and the
 * plan of what to create. Pure. The plan never replaces a file etcd-scaleout did not create: those
 * are kept when valid and refused otherwise, so an undo can remove exactly what was created.
 */

import {
  type CertificateKind,
  kubesprayPair,
} from '../kubespray/kubesprayNames';
import { isIpAddress, NAME, type NewMember } from '../request/request';
import {
  type CertificateExpectations,
  caReasons,
  type FileProbe,
  hostsToCover,
  keyReasons,
  normalizeIp,
  pairReasons,
  whyMissing,
  type X509Facts,
} from './certificates';
import type { TlsFileSet } from './tlsFiles';

export interface SubjectAltNames {
  dns: string[];
  ips: string[];
}

const DNS_NAME =
  /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IP_SAN = /^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-f:]+)$/i;

/**
 * Kubespray's SAN list (read from a member's certificate: localhost, every etcd host name and IP,
 * 127.0.0.1, extras) plus the new member's hosts. Entries that are neither a plain DNS name nor an IP
 * cannot be written into an openssl config safely and are left out.
 */
export function sanListForNewMember(
  template: Pick<X509Facts, 'dnsNames' | 'ipAddresses'> | undefined,
  member: Pick<NewMember, 'peerURL' | 'clientURL' | 'listenAddress'>,
): SubjectAltNames {
  const dns = new Set(
    ['localhost', ...(template?.dnsNames ?? [])].map((d) => d.toLowerCase()),
  );
  const ips = new Set(
    ['127.0.0.1', ...(template?.ipAddresses ?? [])].map(normalizeIp),
  );
  for (const h of hostsToCover(member)) {
    if (isIpAddress(h)) ips.add(normalizeIp(h));
    else dns.add(h.toLowerCase());
  }
  return {
    dns: [...dns].filter((d) => DNS_NAME.test(d)),
    ips: [...ips].filter((i) => IP_SAN.test(i)),
  };
}

export type IssuedKind = CertificateKind;

/**
 * The common name Kubespray gives a host's certificate (make-ssl-etcd.sh): `etcd-member-<host>`,
 * `etcd-admin-<host>`. The one place the issued subject is named: the CSR asks for it, the CSR and
 * the signed certificate are held to it (issuedCertificate.ts).
 */
export function issuedCommonName(kind: IssuedKind, host: string): string {
  if (!NAME.test(host))
    throw new Error(`not a member name: ${JSON.stringify(host)}`);
  return `etcd-${kind}-${host}`;
}

/** The whole subject an issued certificate carries, as Node's X509Certificate writes it. */
export const issuedSubject = (kind: IssuedKind, host: string): string =>
  `CN=${issuedCommonName(kind, host)}`;

/** `openssl req` config: the subject Kubespray gives (issuedCommonName), and nothing else. */
export function requestConfig(kind: IssuedKind, name: string): string[] {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    `CN = ${issuedCommonName(kind, name)}`,
  ];
}

/** `openssl x509 -req -extfile` config: Kubespray's `ssl_client` section with the given SANs. */
export function signingConfig(sans: SubjectAltNames): string[] {
  const bad = [
    ...sans.dns.filter((d) => !DNS_NAME.test(d)),
    ...sans.ips.filter((i) => !IP_SAN.test(i)),
  ];
  if (bad.length)
    throw new Error(
      `cannot write these SANs into an openssl config: ${bad.join(', ')}`,
    );
  return [
    '[ssl_client]',
    'extendedKeyUsage = clientAuth, serverAuth',
    'basicConstraints = CA:FALSE',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid,issuer',
    `subjectAltName = ${[...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((i) => `IP:${i}`)].join(', ')}`,
  ];
}

/** Problems of the CA on its host: the cluster's CA certificate, and a readable key that matches it. */
export function authorityProblems(
  host: string,
  ca: { certFile: string; keyFile: string },
  probes: Record<string, FileProbe>,
  expect: Pick<CertificateExpectations, 'caFingerprint' | 'caSource'>,
): string[] {
  const cert = probes[ca.certFile];
  const key = probes[ca.keyFile];
  const reasons = caReasons(cert, expect).map((r) => `${ca.certFile}: ${r}`);
  reasons.push(...keyReasons(key).map((r) => `${ca.keyFile}: ${r}`));
  if (!reasons.length && key.publicKeyHash !== cert.publicKeyHash)
    reasons.push(
      `${ca.keyFile}: is not the key of the CA certificate ${ca.certFile}`,
    );
  return reasons.map((r) => `CA host ${host}: ${r}`);
}

export interface IssuePair {
  kind: IssuedKind;
  certFile: string;
  keyFile: string;
}

/** The manifest of what a run created on a node: beside the env file, whose folder always exists. */
export const issuedManifestFile = (envFile: string, runKey: string): string =>
  `${envFile}.${runKey}.certificates`;

/** What to issue on one node. Paths only: no key or certificate travels in it. */
export interface IssueSpec {
  name: string;
  /** The inventory host name (kubesprayNames.ts): the certificates' CNs and default file names carry it. */
  host: string;
  /** The CA file the node's env names; written from the CA host when absent. */
  caFile: string;
  pairs: IssuePair[];
  sans: SubjectAltNames;
  /** What an existing certificate must satisfy to be kept (the same as the preflight check). */
  expect: CertificateExpectations;
  /** Lists what this run created on the node, so the undo removes exactly that. */
  manifestFile: string;
}

/**
 * What to issue for a new member, from the TLS files its future env names: its member pair (client
 * and peer, one pair in Kubespray) and an admin pair where ETCDCTL_CERT/ETCDCTL_KEY point (Kubespray's
 * env), else `<certDir>/admin-<inventory host>.pem`. The CA file is the one the env names.
 */
export function issueSpecFor(a: {
  name: string;
  host: string;
  vars: Record<string, string>;
  sets: TlsFileSet[];
  certDir: string;
  sans: SubjectAltNames;
  expect: CertificateExpectations;
  manifestFile: string;
}): IssueSpec {
  if (!a.sets.length)
    throw new Error('the env names no certificate files: nothing to issue');
  const pairs: IssuePair[] = [];
  const add = (pair: IssuePair) =>
    pairs.some((p) => p.certFile === pair.certFile) || pairs.push(pair);
  for (const s of a.sets)
    add({ kind: 'member', certFile: s.certFile, keyFile: s.keyFile });
  const admin =
    a.vars.ETCDCTL_CERT && a.vars.ETCDCTL_KEY
      ? { certFile: a.vars.ETCDCTL_CERT, keyFile: a.vars.ETCDCTL_KEY }
      : kubesprayPair(a.certDir, 'admin', a.host);
  add({ kind: 'admin', ...admin });
  return {
    name: a.name,
    host: a.host,
    caFile: a.sets[0].caFile,
    pairs,
    sans: a.sans,
    expect: a.expect,
    manifestFile: a.manifestFile,
  };
}

export interface IssuePlan {
  problems: string[];
  /** Folders to create, parents first. */
  dirs: string[];
  writeCa: boolean;
  /** Keys to generate (absent, or created by this run and unusable). */
  keys: string[];
  /** Pairs whose certificate is issued. */
  sign: IssuePair[];
  kept: string[];
}

const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';

/** A folder's ancestors and itself, parents first (`/a/b` -> `/a`, `/a/b`). */
export function ancestors(dir: string): string[] {
  const parts = dir.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/**
 * Decides what to create, from what a probe found on the node. `created` is this run's manifest: a
 * file it lists may be redone, any other existing file is kept if usable and refused if not.
 */
export function planIssue(
  node: string,
  spec: IssueSpec,
  probes: Record<string, FileProbe>,
  created: Set<string>,
  existingDirs: Set<string>,
  now: number,
): IssuePlan {
  const plan: IssuePlan = {
    problems: [],
    dirs: [],
    writeCa: false,
    keys: [],
    sign: [],
    kept: [],
  };
  const refuse = (file: string, reasons: string[]) =>
    plan.problems.push(
      `${node}: ${file}: exists but cannot be used (${reasons.join('; ')}); etcd-scaleout replaces only files it created: move it away or fix it`,
    );

  const caFile = probes[spec.caFile];
  const ca = caReasons(caFile, spec.expect);
  if (!ca.length) plan.kept.push(spec.caFile);
  else if (whyMissing(caFile) || created.has(spec.caFile)) plan.writeCa = true;
  else refuse(spec.caFile, ca);

  for (const pair of spec.pairs) {
    const set: TlsFileSet = {
      use: 'peer',
      caFile: spec.caFile,
      certFile: pair.certFile,
      keyFile: pair.keyFile,
      variables: { ca: 'ca', cert: 'cert', key: 'key' },
    };
    const [cert, key] = [probes[pair.certFile], probes[pair.keyFile]];
    const reasons = pairReasons(set, cert, key, spec.expect, now);
    if (!reasons.cert.length && !reasons.key.length) {
      plan.kept.push(pair.certFile, pair.keyFile);
      continue;
    }
    if (!whyMissing(cert) && !created.has(pair.certFile))
      refuse(
        pair.certFile,
        reasons.cert.length
          ? reasons.cert
          : reasons.key.map((r) => `its key ${r}`),
      );
    const keyOwn = keyReasons(key);
    if (whyMissing(key) || (keyOwn.length && created.has(pair.keyFile)))
      plan.keys.push(pair.keyFile);
    else if (keyOwn.length) refuse(pair.keyFile, keyOwn);
    else plan.kept.push(pair.keyFile);
    plan.sign.push(pair);
  }
  const writes = [
    ...(plan.writeCa ? [spec.caFile] : []),
    ...plan.keys,
    ...plan.sign.map((p) => p.certFile),
  ];
  for (const d of new Set(writes.map(dirOf)))
    for (const a of ancestors(d))
      if (!existingDirs.has(a) && !plan.dirs.includes(a)) plan.dirs.push(a);
  return plan;
}

/** `file <path>` / `dir <path>` lines of a manifest, in the order they were recorded. */
export function parseManifest(
  text: string,
): Array<{ kind: 'file' | 'dir'; path: string }> {
  return text
    .split('\n')
    .map((l) => /^(file|dir) (\/\S*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ kind: m[1] as 'file' | 'dir', path: m[2] }));
}
