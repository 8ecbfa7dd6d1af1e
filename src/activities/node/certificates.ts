/**
 * The certificate adapter: reads and checks certificates on nodes over SSH with openssl, and issues
 * a new member's on request (certificateIssuer.ts). Arguments and results carry paths, hosts and
 * fingerprints only: keys are read by openssl on their own node, never sent anywhere.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  type CertificateExpectations,
  certificateProblems,
  whyMissing,
  type X509Facts,
} from '../../domain/certificates/certificates';
import type { TlsFileSet } from '../../domain/certificates/tlsFiles';
import { ErrorType } from '../../domain/errors';
import { createCertificateIssuer } from './certificateIssuer';
import {
  type CertificateAuthorityRef,
  type ProbeItem,
  probeAuthority,
  probeFiles,
} from './certificateProbe';
import type { SshRunner, SshTarget } from './ssh';

export type { CertificateAuthorityRef } from './certificateProbe';

/** A certificate's public facts (subject, SANs, validity, fingerprint): e.g. a member's, for its SAN list. */
async function readCertificate(
  ssh: SshRunner,
  target: SshTarget,
  file: string,
): Promise<X509Facts> {
  const { probes } = await probeFiles(
    ssh,
    target,
    [{ path: file, kind: 'certificate' }],
    'certificate read',
  );
  const p = probes[file];
  if (!p.x509) {
    throw ApplicationFailure.nonRetryable(
      `${target.host}: ${file}: ${whyMissing(p) ?? 'is not a PEM certificate openssl can read'}`,
      ErrorType.PreflightFailed,
    );
  }
  return p.x509;
}

/** The CA a healthy member trusts, by fingerprint: what a new member's CA file must equal. */
async function readMemberCa(
  ssh: SshRunner,
  target: SshTarget,
  caFile: string,
): Promise<{ fingerprint: string; subject: string; notAfter: string }> {
  const x = await readCertificate(ssh, target, caFile);
  return {
    fingerprint: x.fingerprint,
    subject: x.subject,
    notAfter: x.notAfter,
  };
}

/**
 * Reads only. The files an env names on the node (CA, certificate, key; client and peer): present,
 * the cluster's CA, chained to it, naming the member's hosts, valid for minValidityDays, the key
 * matching the certificate. Each problem names node, file, variables and reason.
 */
async function checkMemberCertificates(
  ssh: SshRunner,
  target: SshTarget,
  sets: TlsFileSet[],
  expect: CertificateExpectations,
): Promise<{ problems: string[] }> {
  const items = new Map<string, ProbeItem>();
  for (const s of sets) {
    const add = (item: ProbeItem) =>
      items.has(item.path) || items.set(item.path, item);
    add({ path: s.caFile, kind: 'certificate' });
    add({
      path: s.certFile,
      kind: 'certificate',
      verifyWith: { caFile: s.caFile },
    });
    add({ path: s.keyFile, kind: 'key' });
  }
  const { probes } = await probeFiles(
    ssh,
    target,
    [...items.values()],
    'certificate probe',
  );
  return {
    problems: certificateProblems(
      target.host,
      sets,
      probes,
      expect,
      Date.now(),
    ),
  };
}

export function createCertificateActivities(deps: { ssh: SshRunner }) {
  const { ssh } = deps;
  return {
    readCertificate: (target: SshTarget, file: string) =>
      readCertificate(ssh, target, file),
    readMemberCa: (target: SshTarget, caFile: string) =>
      readMemberCa(ssh, target, caFile),
    checkMemberCertificates: (
      target: SshTarget,
      sets: TlsFileSet[],
      expect: CertificateExpectations,
    ) => checkMemberCertificates(ssh, target, sets, expect),

    /** Reads only. For strategy.certificates "issue": the CA host has the cluster's CA and its key. */
    async checkCertificateAuthority(
      ca: CertificateAuthorityRef,
      expect: Pick<CertificateExpectations, 'caFingerprint' | 'caSource'>,
    ): Promise<{ problems: string[] }> {
      return { problems: (await probeAuthority(ssh, ca, expect)).problems };
    },

    ...createCertificateIssuer({ ssh }),
  };
}

export type CertificateActivities = ReturnType<
  typeof createCertificateActivities
>;
