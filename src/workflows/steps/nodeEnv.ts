/**
 * Each new node's env file and certificates, checked in preflight: where its env comes from (a healthy
 * member's, or the node's own), the env the join will write, and whether the certificates that env
 * names are usable (strategy.certificates "check") or can be issued ("issue"). Reads only; what it
 * returns is what the join needs. The cluster's CA is the one a healthy member trusts, by fingerprint.
 */
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type {
  CertificateAuthorityRef,
  ClusterState,
  EnvFileRead,
  NodeFacts,
  SshTarget,
} from '../../activities';
import {
  type IssueSpec,
  issuedManifestFile,
  issueSpecFor,
  sanListForNewMember,
} from '../../domain/certificates/certificateIssue';
import {
  type CertificateExpectations,
  hostsToCover,
} from '../../domain/certificates/certificates';
import {
  type TlsFileSet,
  tlsFilesOf,
} from '../../domain/certificates/tlsFiles';
import { mergeEnvFile, parseEnvFile } from '../../domain/envFiles/envFileText';
import {
  type EnvSource,
  envToWrite,
  resolveEnvFrom,
  templateMember,
} from '../../domain/envFiles/futureEnv';
import { ErrorType } from '../../domain/errors';
import { EnvDerivationError } from '../../domain/kubespray/kubesprayEnv';
import { inventoryHostOf } from '../../domain/kubespray/kubesprayNames';
import { hostOf } from '../../domain/request/patterns';
import {
  certificateAuthority,
  type NewMember,
  type ScaleOutRequest,
} from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { activitySummary } from '../run/messages';
import { runKey } from '../run/runKey';
import { hostSshTarget, sshTarget } from '../run/sshTarget';
import type { MemberHostReads } from './memberHosts';

export interface NodeEnvPlan extends EnvSource {
  /** Over https: the files the env names, what they must satisfy, and for "issue" what to issue with which CA. */
  tls?: {
    sets: TlsFileSet[];
    expect: CertificateExpectations;
    issue?: { ca: CertificateAuthorityRef; spec: IssueSpec };
  };
}

export type PreparedNode = NodeFacts & { env: NodeEnvPlan };

/** envToWrite for the join: a value that cannot be derived for the real member list fails the join, not the workflow task. */
export function envToWriteOrRefuse(
  env: NodeEnvPlan,
  member: NewMember,
  initialCluster: string,
  dataDir: string,
): Record<string, string> {
  try {
    return envToWrite(env, member, initialCluster, dataDir);
  } catch (err) {
    if (!(err instanceof EnvDerivationError)) throw err;
    throw ApplicationFailure.create({
      type: ErrorType.EnvRefused,
      message: `env file for ${member.name} on ${member.host}: ${err.message}`,
      nonRetryable: true,
    });
  }
}

/** A read done once for all nodes; its failure is reported once, as a problem. */
function once<T>(
  problems: string[],
  what: string,
  read: () => Promise<T | string>,
): () => Promise<T | undefined> {
  let result: Promise<T | undefined> | undefined;
  return () => {
    result ??= read().then(
      (v) => {
        if (typeof v !== 'string') return v;
        problems.push(`${what}: ${v}`);
        return undefined;
      },
      (err) => {
        if (isCancellation(err)) throw err;
        problems.push(`${what}: ${causeOf(err)}`);
        return undefined;
      },
    );
    return result;
  };
}

/** The template member's env file, parsed, and how to reach that member. */
interface TemplateEnv {
  text: string;
  member: { name: string; peerURLs: string[] };
  vars: Record<string, string>;
  target: SshTarget;
}

/**
 * The reads shared by every new node: the template member's env (the preflight's read of its host when
 * there is one, memberHosts.ts; read again if that one failed), its CA and certificate, the CA host.
 */
export function clusterReads(
  request: ScaleOutRequest,
  before: ClusterState,
  problems: string[],
  memberHosts?: MemberHostReads,
) {
  const reads = activities(
    'read',
    request.strategy,
    activitySummary('preflight'),
  );
  const tmpl = templateMember(before.members, request);
  const tmplTarget = tmpl && hostSshTarget(request, hostOf(tmpl.clientURLs[0]));
  const envFile = request.node.envFile;
  const template = once<TemplateEnv>(
    problems,
    `template member ${tmpl?.name ?? '(none)'}`,
    async () => {
      if (!tmpl || !tmplTarget)
        return 'no healthy voting member to read an env file from';
      const fresh = () => reads.readEnvFile(tmplTarget, envFile);
      const early = memberHosts?.get(tmplTarget.host);
      const r = await (early ? early.catch(fresh) : fresh());
      if (!r.exists)
        return `${tmplTarget.host} has no ${envFile} to derive the new members' env from; write it on each new node and use node.envFrom "node"`;
      return {
        text: r.text,
        member: { name: tmpl.name, peerURLs: tmpl.peerURLs },
        vars: parseEnvFile(r.text),
        target: tmplTarget,
      };
    },
  );
  return {
    reads,
    template,
    ...certificateReads(request, reads, template, tmpl?.name, problems),
  };
}

/** The shared certificate reads, each through the template member's env: the cluster CA, its certificate, the CA host. */
function certificateReads(
  request: ScaleOutRequest,
  reads: ReturnType<typeof activities>,
  template: () => Promise<TemplateEnv | undefined>,
  tmplName: string | undefined,
  problems: string[],
) {
  const envFile = request.node.envFile;
  const caFileOf = (vars: Record<string, string>) =>
    vars.ETCD_PEER_TRUSTED_CA_FILE || vars.ETCD_TRUSTED_CA_FILE;
  const clusterCa = once(
    problems,
    `cluster CA on ${tmplName ?? '(none)'}`,
    async () => {
      const t = await template();
      if (!t) return 'no template member env';
      const caFile = caFileOf(t.vars);
      if (!caFile)
        return `${envFile} on ${t.target.host} names no ETCD_PEER_TRUSTED_CA_FILE or ETCD_TRUSTED_CA_FILE`;
      const ca = await reads.readMemberCa(t.target, caFile);
      return {
        fingerprint: ca.fingerprint,
        caFile,
        source: `${t.member.name}:${caFile}`,
      };
    },
  );
  const memberCert = once(
    problems,
    `certificate of ${tmplName ?? '(none)'}`,
    async () => {
      const t = await template();
      const certFile =
        t && (t.vars.ETCD_PEER_CERT_FILE || t.vars.ETCD_CERT_FILE);
      if (!t || !certFile)
        return `${envFile} names no ETCD_PEER_CERT_FILE or ETCD_CERT_FILE to take the SAN list from`;
      return reads.readCertificate(t.target, certFile);
    },
  );
  const authority = certificateAuthority(request);
  const caRef = async (): Promise<CertificateAuthorityRef | undefined> => {
    const ca = await clusterCa();
    return (
      ca &&
      authority && {
        target: hostSshTarget(request, authority.host),
        certFile: ca.caFile,
        keyFile: authority.keyFile,
      }
    );
  };
  const authorityOk = once(
    problems,
    `CA host ${authority?.host ?? '(none)'}`,
    async () => {
      const [ca, ref] = [await clusterCa(), await caRef()];
      if (!ca || !ref)
        return 'strategy.certificates "issue" needs cluster.tls and the cluster CA';
      const r = await reads.checkCertificateAuthority(ref, {
        caFingerprint: ca.fingerprint,
        caSource: ca.source,
      });
      return r.problems.length ? r.problems.join('; ') : ref;
    },
  );
  return { clusterCa, memberCert, authorityOk };
}

export type ClusterReads = ReturnType<typeof clusterReads>;

/**
 * The env file the join would leave on the node (from the template member's env, or merged into the
 * node's own), recording its source in `plan`; undefined, with the problem pushed, when it cannot be derived.
 */
async function futureEnvOf(
  request: ScaleOutRequest,
  shared: ClusterReads,
  m: NewMember,
  target: SshTarget,
  plan: NodeEnvPlan,
  initialCluster: string,
  at: string,
  problems: string[],
  ownEnv?: Promise<EnvFileRead>,
): Promise<Record<string, string> | undefined> {
  const { node } = request;
  const { envFrom } = plan;
  try {
    if (envFrom === 'member') {
      const t = await shared.template();
      if (!t) return undefined;
      plan.template = { text: t.text, member: t.member };
      return envToWrite(plan, m, initialCluster, node.dataDir);
    }
    const cur = await (ownEnv ??
      shared.reads.readEnvFile(target, node.envFile));
    plan.nodeVars = parseEnvFile(cur.text);
    return parseEnvFile(
      mergeEnvFile(cur.text, envToWrite(plan, m, initialCluster, node.dataDir)),
    );
  } catch (err) {
    if (!(err instanceof EnvDerivationError)) throw err;
    problems.push(
      `${at}: env file ${node.envFile} (from ${envFrom === 'member' ? `member ${plan.template?.member.name}` : 'the node'}): ${err.message}`,
    );
    return undefined;
  }
}

/**
 * One new node's env plan, its problems pushed onto `problems` (each naming the node). `initialCluster`
 * is the plan's for this member; undefined when the plan itself was refused (nothing to build then).
 */
export async function prepareNodeEnv(
  request: ScaleOutRequest,
  shared: ClusterReads,
  m: NewMember,
  facts: NodeFacts,
  initialCluster: string | undefined,
  at: string,
  problems: string[],
  /** The node's env file, read beside its probe (inspectNewNodes.ts startEarlyReads). */
  ownEnv?: Promise<EnvFileRead>,
): Promise<NodeEnvPlan | undefined> {
  const { node, strategy } = request;
  const envFrom = resolveEnvFrom(request, facts.envFileExists);
  if (initialCluster === undefined) return undefined;
  const target = sshTarget(request, m);
  const plan: NodeEnvPlan = { envFrom };
  const future = await futureEnvOf(
    request,
    shared,
    m,
    target,
    plan,
    initialCluster,
    at,
    problems,
    ownEnv,
  );
  if (!future) return undefined;
  if (![m.peerURL, m.clientURL].some((u) => u.startsWith('https:')))
    return plan;

  const { sets, problems: named } = tlsFilesOf(future);
  problems.push(...named.map((p) => `${at}: env file ${node.envFile}: ${p}`));
  if (!sets.length) {
    if (!named.length)
      problems.push(
        `${at}: env file ${node.envFile} names no certificate files, but ${m.name} is served over https`,
      );
    return undefined;
  }
  const ca = await shared.clusterCa();
  if (!ca) return undefined;
  const expect: CertificateExpectations = {
    caFingerprint: ca.fingerprint,
    caSource: ca.source,
    hosts: hostsToCover(m),
    minValidityDays: strategy.minCertValidityDays,
  };
  plan.tls = { sets, expect };
  if (strategy.certificates === 'check') {
    const r = await shared.reads.checkMemberCertificates(target, sets, expect);
    problems.push(...r.problems.map((p) => `${m.name}: ${p}`));
    return plan;
  }
  const [caRef, tmplCert] = [
    await shared.authorityOk(),
    await shared.memberCert(),
  ];
  if (!caRef) return undefined;
  const spec = issueSpecFor({
    name: m.name,
    host: inventoryHostOf(m),
    vars: future,
    sets,
    certDir: node.certDir,
    sans: sanListForNewMember(tmplCert, m),
    expect,
    manifestFile: issuedManifestFile(node.envFile, runKey()),
  });
  const r = await shared.reads.checkCertificateIssue(target, caRef, spec);
  problems.push(...r.problems.map((p) => `${m.name}: ${p}`));
  plan.tls.issue = { ca: caRef, spec };
  return plan;
}
