/**
 * openssl, as the lab's certificate makers (pki.ts, kubePki.ts, temporalPki.ts) run it in their folder,
 * and the one way they all make their CA.
 */
import { execFileP } from './processes';
import { KEY_BITS } from './rsaKeys';

/** How long the lab's certificates, its CAs' and those they sign, are valid. */
export const CERT_DAYS = '3650';

/** Runs `openssl args` in `dir`; a failure names the command, the folder and what openssl said. */
export async function openssl(dir: string, ...args: string[]): Promise<void> {
  try {
    await execFileP('openssl', args, { cwd: dir });
  } catch (err) {
    throw new Error(
      `openssl ${args.slice(0, 2).join(' ')} in ${dir} failed: ${(err as { stderr?: string }).stderr || (err as Error).message}`,
    );
  }
}

/**
 * A CA in `dir` (file names relative to it): a key of its own, made anew rather than taken from the
 * cache (rsaKeys.ts: no lab trusts another's certificates), and a self-signed SHA-256 certificate with
 * openssl's default CA extensions (basicConstraints CA:TRUE, subject and authority key identifiers), as
 * make-ssl-etcd.sh makes etcd's and kubeadm-shaped clusters and Temporal's need no more.
 */
export async function makeLabCa(
  dir: string,
  keyFile: string,
  certFile: string,
  subject: string,
): Promise<void> {
  await openssl(dir, 'genrsa', '-out', keyFile, KEY_BITS);
  await openssl(
    dir,
    ...['req', '-sha256', '-x509', '-new', '-nodes', '-key', keyFile],
    ...['-days', CERT_DAYS, '-out', certFile, '-subj', subject],
  );
}
