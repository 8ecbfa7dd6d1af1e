/**
 * One SSH command that looks at certificate and key files on a node with openssl, and its parsing.
 * It prints only public material: certificates' text, and SHA-256 hashes of public keys (a private
 * key is read by openssl on the node and only its public half's hash comes back).
 */
import { authorityProblems } from '../../domain/certificates/certificateIssue';
import {
  type CertificateExpectations,
  type FileProbe,
  parsePublicKeyHash,
  parseStat,
  parseVerify,
  parseX509Text,
} from '../../domain/certificates/certificates';
import { splitSections } from './nodeFacts';
import { remote } from './remote';
import { quote, sh } from './shell';
import type { SshRunner, SshTarget } from './ssh';

export interface ProbeItem {
  path: string;
  kind: 'certificate' | 'key';
  /** For a certificate: the CA file on the node to verify it against, or the CA given on stdin. */
  verifyWith?: { caFile: string } | 'stdin';
}

/** Section names for splitSections, which takes letters and "-" only: 0 -> a, 25 -> z, 26 -> ba. */
function sectionId(i: number): string {
  let s = '';
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26);
  } while (i > 0);
  return `file-${s}`;
}

/** The shell variable holding the CA read from stdin, when an item asks for it. */
const STDIN_CA = '"$stdin_ca"';

function itemCommands(item: ProbeItem, id: string): string {
  const p = item.path;
  const parts = [
    sh`echo ${`--- ${id}-stat`}; stat -c '%a %U %G' -- ${p} 2>&1; `,
  ];
  if (item.kind === 'certificate') {
    parts.push(
      sh`echo ${`--- ${id}-cert`}; openssl x509 -in ${p} -noout -text -certopt no_pubkey,no_sigdump -fingerprint -sha256 2>&1; `,
    );
    parts.push(
      sh`echo ${`--- ${id}-pub`}; pub=$(openssl x509 -in ${p} -noout -pubkey 2>/dev/null) && printf '%s\\n' "$pub" | sha256sum; `,
    );
    if (item.verifyWith) {
      const ca =
        item.verifyWith === 'stdin' ? STDIN_CA : quote(item.verifyWith.caFile);
      parts.push(
        sh`echo ${`--- ${id}-verify`}; openssl verify -no_check_time -CAfile ` +
          ca +
          sh` ${p} 2>&1; `,
      );
    }
  } else {
    // -passin pass: makes an encrypted key fail at once instead of asking for a passphrase.
    parts.push(
      sh`echo ${`--- ${id}-pub`}; pub=$(openssl pkey -in ${p} -pubout -passin pass: 2>/dev/null) && printf '%s\\n' "$pub" | sha256sum; `,
    );
  }
  return parts.join('');
}

/**
 * The probe command for `items`, with `extra` commands after it (they print their own sections).
 * With an item verified against 'stdin', the command reads a CA certificate (public) from stdin.
 */
export function probeCommand(items: ProbeItem[], extra = ''): string {
  const stdin = items.some((i) => i.verifyWith === 'stdin');
  const body = `${items.map((item, i) => itemCommands(item, sectionId(i))).join('')}${extra}true`;
  return stdin
    ? `stdin_ca=$(mktemp) && trap 'rm -f "$stdin_ca"' EXIT && cat > "$stdin_ca" && { ${body}; }`
    : body;
}

/** What each item's sections say, by path; and every section, for the extra commands. */
export function parseProbe(
  items: ProbeItem[],
  output: string,
): { probes: Record<string, FileProbe>; sections: Record<string, string> } {
  const sections = splitSections(output);
  const probes: Record<string, FileProbe> = {};
  items.forEach((item, i) => {
    const id = sectionId(i);
    const probe: FileProbe = {
      path: item.path,
      stat: parseStat(sections[`${id}-stat`] ?? ''),
    };
    const x509 =
      item.kind === 'certificate'
        ? parseX509Text(sections[`${id}-cert`] ?? '')
        : undefined;
    if (x509) probe.x509 = x509;
    const pub = parsePublicKeyHash(sections[`${id}-pub`] ?? '');
    if (pub) probe.publicKeyHash = pub;
    if (sections[`${id}-verify`] !== undefined && x509)
      probe.verify = parseVerify(sections[`${id}-verify`]);
    probes[item.path] = probe;
  });
  return { probes, sections };
}

/** The CA certificate and key on the CA host (Kubespray's first etcd host). */
export interface CertificateAuthorityRef {
  target: SshTarget;
  certFile: string;
  keyFile: string;
}

/** Probes `items` on a node; `input` is given to the command (a CA certificate for 'stdin' items). */
export async function probeFiles(
  ssh: SshRunner,
  target: SshTarget,
  items: ProbeItem[],
  what: string,
  extra = '',
  input?: string,
) {
  const r = await remote(ssh).mustRun(
    target,
    probeCommand(items, extra),
    what,
    input,
  );
  return parseProbe(items, r.stdout);
}

/** Probes the CA on its host and says what is wrong with it for signing. */
export async function probeAuthority(
  ssh: SshRunner,
  ca: CertificateAuthorityRef,
  expect: Pick<CertificateExpectations, 'caFingerprint' | 'caSource'>,
  extra = '',
) {
  const items: ProbeItem[] = [
    { path: ca.certFile, kind: 'certificate' },
    { path: ca.keyFile, kind: 'key' },
  ];
  const found = await probeFiles(ssh, ca.target, items, 'CA probe', extra);
  return {
    ...found,
    problems: authorityProblems(ca.target.host, ca, found.probes, expect),
  };
}
