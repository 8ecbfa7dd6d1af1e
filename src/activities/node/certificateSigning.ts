/**
 * Signing one issued pair (certificateIssuer.ts): the node makes the CSR for its key, the CA host
 * signs it, the certificate is written back to the node. The node is not trusted with what it asks
 * for: a CSR that asks for another subject than the worker's (Kubespray's CN) or another key is never
 * signed, and a signed certificate that is not exactly what was asked for is never written.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import {
  type IssuePair,
  type IssueSpec,
  issuedSubject,
  requestConfig,
  signingConfig,
} from '../../domain/certificates/certificateIssue';
import { parseOpensslDate } from '../../domain/certificates/certificates';
import {
  csrProblems,
  pemBlocks,
  signedCertificateProblems,
} from '../../domain/certificates/issuedCertificate';
import { ErrorType } from '../../domain/errors';
import { ISSUED_CERT_DAYS } from '../../domain/request/request';
import type { CertificateAuthorityRef } from './certificateProbe';
import { remote } from './remote';
import { sh } from './shell';
import type { SshRunner, SshTarget } from './ssh';

/** A command that writes `lines` to a temporary file named "$t" and then runs `then` (which uses it). */
const withConfig = (lines: string[], then: string) =>
  sh`t=$(mktemp) && trap 'rm -f "$t"' EXIT && printf '%s\\n' ${lines} > "$t" && ` +
  then;

/** Records `path` in the manifest, then runs `create`: a crash in between leaves it listed, never lost. */
export const record = (
  manifest: string,
  kind: 'file' | 'dir',
  path: string,
  create: string,
) => sh`printf '%s %s\\n' ${kind} ${path} >> ${manifest} && ` + create;

/** A signing that must not go on (a hostile or broken node, a CA host that signed something else). */
const refusedSigning = (node: SshTarget, file: string, problems: string[]) =>
  ApplicationFailure.nonRetryable(
    `${node.host}: ${file}: refused, not written: ${problems.join('; ')}`,
    ErrorType.CertificateRefused,
  );

/**
 * The node makes the key's CSR (and shows the key's public half); the CA host signs it only if it asks
 * for exactly the subject the worker sets, for that key; the certificate is written only if it is
 * exactly what was asked for (issuedCertificate.ts).
 */
export async function signPair(
  ssh: SshRunner,
  node: SshTarget,
  ca: CertificateAuthorityRef & { pem: string },
  spec: IssueSpec,
  pair: IssuePair,
  owner: string,
) {
  const subject = issuedSubject(pair.kind, spec.host);
  const made = await remote(ssh).mustRun(
    node,
    withConfig(
      requestConfig(pair.kind, spec.host),
      sh`openssl req -new -key ${pair.keyFile} -config "$t" && openssl pkey -in ${pair.keyFile} -pubout`,
    ),
    `CSR for ${pair.certFile}`,
  );
  const [csr, ...moreCsrs] = pemBlocks(made.stdout, 'CERTIFICATE REQUEST');
  const [nodeKeyPem] = pemBlocks(made.stdout, 'PUBLIC KEY');
  const asked =
    !csr || moreCsrs.length || !nodeKeyPem
      ? ["the node's answer is not one CSR and its key's public half"]
      : csrProblems(csr, { subject, nodeKeyPem });
  if (asked.length) throw refusedSigning(node, pair.certFile, asked);

  const serial = randomBytes(16);
  serial[0] &= 0x7f; // a positive serial number
  const sign = sh`openssl x509 -req -CA ${ca.certFile} -CAkey ${ca.keyFile} -passin pass: -set_serial ${`0x${serial.toString('hex')}`} -days ${ISSUED_CERT_DAYS} -sha256 -extfile "$t" -extensions ssl_client 2>/dev/null`;
  const signed = await remote(ssh).mustRun(
    ca.target,
    withConfig(signingConfig(spec.sans), sign),
    `signing ${pair.certFile}`,
    csr,
  );
  const pem = `${signed.stdout.trim()}\n`;
  const wrong = signedCertificateProblems(pem, {
    subject,
    sans: spec.sans,
    csrPem: csr,
    caPem: ca.pem,
  });
  if (wrong.length)
    throw refusedSigning(node, pair.certFile, [
      `the certificate signed on ${ca.target.host} is not what was asked for: ${wrong.join('; ')}`,
    ]);
  const x509 = new X509Certificate(pem);
  await remote(ssh).mustRun(
    node,
    record(
      spec.manifestFile,
      'file',
      pair.certFile,
      sh`(umask 027 && cat > ${pair.certFile}) && chown -- ${owner} ${pair.certFile} && chmod 640 ${pair.certFile}`,
    ),
    `write ${pair.certFile}`,
    pem,
  );
  return {
    file: pair.certFile,
    fingerprint: x509.fingerprint256,
    notAfter: parseOpensslDate(x509.validTo) ?? x509.validTo,
  };
}
