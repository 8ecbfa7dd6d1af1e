/**
 * Issues a new member's certificates (strategy.certificates "issue") as Kubespray's make-ssl-etcd.sh
 * would: the key and a CSR are made on the node (the key never leaves it), the CSR is signed on the
 * CA host with `openssl x509 -req` (the CA key never leaves that host either), the certificate is
 * written back (certificateSigning.ts: only a CSR for Kubespray's subject and the node's key is
 * signed, only the certificate asked for is written). Only public material (CSR, certificates)
 * crosses the worker.
 *
 * Idempotent: what this run created is listed in a manifest on the node before it is created, so a
 * retry redoes only that, a usable existing certificate for its key is kept, and the undo removes
 * exactly the listed files and folders.
 */
import {
  ancestors,
  type IssuePlan,
  type IssueSpec,
  parseManifest,
  planIssue,
} from '../../domain/certificates/certificateIssue';
import {
  type CertificateAuthorityRef,
  type ProbeItem,
  probeAuthority,
  probeFiles,
} from './certificateProbe';
import { record, signPair } from './certificateSigning';
import { remote } from './remote';
import { sh } from './shell';
import type { SshRunner, SshTarget } from './ssh';

export interface IssueResult {
  /** Why nothing was issued (the CA host or an existing file on the node is not usable). */
  problems: string[];
  /** Everything this run has created on the node (files and folders), oldest first. */
  created: string[];
  /** Existing files left as they were. */
  kept: string[];
  issued: Array<{ file: string; fingerprint: string; notAfter: string }>;
}

const OWNER = /^[A-Za-z_][A-Za-z0-9_.-]*:[A-Za-z_][A-Za-z0-9_.-]*$/;
const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';

/** Reads only: the CA host's usability, the owner of its key folder, and its CA certificate. */
async function assessAuthority(
  ssh: SshRunner,
  ca: CertificateAuthorityRef,
  spec: IssueSpec,
) {
  const authority = await probeAuthority(
    ssh,
    ca,
    spec.expect,
    sh`echo '--- owner'; stat -c '%U:%G' -- ${dirOf(ca.keyFile)} 2>&1; echo '--- pem'; cat -- ${ca.certFile} 2>/dev/null; `,
  );
  const owner = (authority.sections.owner ?? '').trim();
  const caPem = authority.sections.pem ?? '';
  if (!OWNER.test(owner))
    authority.problems.push(
      `CA host ${ca.target.host}: cannot tell the owner of ${dirOf(ca.keyFile)}: ${owner || 'no answer'}`,
    );
  return { problems: authority.problems, owner, caPem };
}

/** Reads only: the CA host and the node, and what issuing would do (IssuePlan) or why it cannot. */
async function assess(
  ssh: SshRunner,
  node: SshTarget,
  ca: CertificateAuthorityRef,
  spec: IssueSpec,
) {
  const { problems, owner, caPem } = await assessAuthority(ssh, ca, spec);
  if (problems.length) {
    const nothing: IssuePlan = {
      problems,
      dirs: [],
      writeCa: false,
      keys: [],
      sign: [],
      kept: [],
    };
    return { ...nothing, owner, caPem, manifest: [] };
  }

  const items: ProbeItem[] = [
    { path: spec.caFile, kind: 'certificate' },
    ...spec.pairs.flatMap((p): ProbeItem[] => [
      { path: p.certFile, kind: 'certificate', verifyWith: 'stdin' },
      { path: p.keyFile, kind: 'key' },
    ]),
  ];
  const dirs = [
    ...new Set(
      [
        spec.caFile,
        ...spec.pairs.flatMap((p) => [p.certFile, p.keyFile]),
      ].flatMap((f) => ancestors(dirOf(f))),
    ),
  ];
  const [user, group] = owner.split(':');
  const extra =
    sh`echo '--- manifest'; cat -- ${spec.manifestFile} 2>/dev/null; echo '--- dirs'; ` +
    dirs.map((d) => sh`[ -d ${d} ] && echo ${d}; `).join('') +
    sh`echo '--- owner'; getent passwd ${user} >/dev/null && getent group ${group} >/dev/null && echo ok; `;
  const found = await probeFiles(
    ssh,
    node,
    items,
    'certificate probe',
    extra,
    caPem,
  );
  const manifest = parseManifest(found.sections.manifest ?? '');
  const existingDirs = new Set(
    (found.sections.dirs ?? '').split('\n').filter(Boolean),
  );
  const plan = planIssue(
    node.host,
    spec,
    found.probes,
    new Set(manifest.map((e) => e.path)),
    existingDirs,
    Date.now(),
  );
  if ((found.sections.owner ?? '').trim() !== 'ok')
    plan.problems.push(
      `${node.host}: owner ${owner} (of the CA host's ${dirOf(ca.keyFile)}) does not exist on the node`,
    );
  return { ...plan, owner, caPem, manifest };
}

/**
 * Reads only (preflight for strategy.certificates "issue"): why issuing on `node` would be
 * refused, and which files it would create or keep.
 */
async function checkCertificateIssue(
  ssh: SshRunner,
  node: SshTarget,
  ca: CertificateAuthorityRef,
  spec: IssueSpec,
): Promise<{ problems: string[]; wouldCreate: string[]; kept: string[] }> {
  const a = await assess(ssh, node, ca, spec);
  if (a.problems.length)
    return { problems: a.problems, wouldCreate: [], kept: [] };
  return {
    problems: [],
    wouldCreate: [
      ...a.dirs,
      ...(a.writeCa ? [spec.caFile] : []),
      ...a.keys,
      ...a.sign.map((p) => p.certFile),
    ],
    kept: a.kept,
  };
}

/**
 * Issues the member and admin certificates of `spec` on `node`, signed on the CA host. Refuses,
 * changing nothing, when the CA is not usable or an existing file it did not create is not.
 * Keys get mode 0600, certificates 0640, folders 0700, all owned like the CA host's key folder.
 */
async function issueMemberCertificates(
  ssh: SshRunner,
  node: SshTarget,
  ca: CertificateAuthorityRef,
  spec: IssueSpec,
): Promise<IssueResult> {
  const plan = await assess(ssh, node, ca, spec);
  if (plan.problems.length)
    return { problems: plan.problems, created: [], kept: [], issued: [] };
  const { owner, caPem, manifest } = plan;
  const m = spec.manifestFile;
  for (const d of plan.dirs)
    await remote(ssh).mustRun(
      node,
      record(
        m,
        'dir',
        d,
        sh`{ [ -d ${d} ] || mkdir -m 700 -- ${d}; } && chown -- ${owner} ${d}`,
      ),
      `create ${d}`,
    );
  if (plan.writeCa)
    await remote(ssh).mustRun(
      node,
      record(
        m,
        'file',
        spec.caFile,
        sh`(umask 027 && cat > ${spec.caFile}) && chown -- ${owner} ${spec.caFile} && chmod 640 ${spec.caFile}`,
      ),
      `write ${spec.caFile}`,
      caPem,
    );
  for (const k of plan.keys)
    await remote(ssh).mustRun(
      node,
      record(
        m,
        'file',
        k,
        sh`(umask 077 && openssl genrsa -out ${k} 2048 2>/dev/null) && chown -- ${owner} ${k} && chmod 600 ${k}`,
      ),
      `generate ${k}`,
    );
  const issued = [];
  for (const pair of plan.sign)
    issued.push(
      await signPair(ssh, node, { ...ca, pem: caPem }, spec, pair, owner),
    );

  const created = [
    ...manifest.map((e) => e.path),
    ...plan.dirs,
    ...(plan.writeCa ? [spec.caFile] : []),
    ...plan.keys,
    ...plan.sign.map((p) => p.certFile),
  ];
  return {
    problems: [],
    created: [...new Set(created)],
    kept: plan.kept.filter((f) => !created.includes(f)),
    issued,
  };
}

/** The undo: removes exactly what the manifest lists (newest first; folders only if empty), then the manifest. */
async function removeIssuedCertificates(
  ssh: SshRunner,
  node: SshTarget,
  manifestFile: string,
): Promise<{ removed: string[] }> {
  const r = await remote(ssh).mustRun(
    node,
    sh`if [ -e ${manifestFile} ]; then tac -- ${manifestFile} | while read -r kind path; do case "$path" in /*) ;; *) continue;; esac; ` +
      `case "$kind" in file) if [ -e "$path" ]; then rm -f -- "$path" && echo "removed $path"; fi;; dir) rmdir -- "$path" 2>/dev/null && echo "removed $path";; esac; done; ` +
      sh`rm -f -- ${manifestFile}; fi`,
    'remove issued certificates',
  );
  return {
    removed: r.stdout
      .split('\n')
      .filter((l) => l.startsWith('removed '))
      .map((l) => l.slice(8)),
  };
}

export function createCertificateIssuer(deps: { ssh: SshRunner }) {
  const { ssh } = deps;
  return {
    checkCertificateIssue: (
      node: SshTarget,
      ca: CertificateAuthorityRef,
      spec: IssueSpec,
    ) => checkCertificateIssue(ssh, node, ca, spec),
    issueMemberCertificates: (
      node: SshTarget,
      ca: CertificateAuthorityRef,
      spec: IssueSpec,
    ) => issueMemberCertificates(ssh, node, ca, spec),
    removeIssuedCertificates: (node: SshTarget, manifestFile: string) =>
      removeIssuedCertificates(ssh, node, manifestFile),
  };
}
