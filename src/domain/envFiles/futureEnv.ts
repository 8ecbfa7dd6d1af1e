/**
 * The env file a new member starts with, from its source: a healthy member's env (Kubespray never
 * templated the node), or the node's own (merged, so its TLS paths, tuning and loopback listeners
 * stay). Pure: the workflow's preflight and join and the dry run all build it here.
 */
import { deriveMemberEnv, type SourceMember } from '../kubespray/kubesprayEnv';
import { type MemberInfo, memberEnv } from '../planning';
import type { NewMember, ScaleOutRequest } from '../request/request';

export interface EnvSource {
  envFrom: 'member' | 'node';
  /** "member": the template member's env text (secret-looking values withheld) and that member. */
  template?: { text: string; member: SourceMember };
  /** "node": the node's env file as it is, parsed. */
  nodeVars?: Record<string, string>;
}

/** node.envFrom resolved: "auto" is the node's own file when it has one, else a member's. */
export const resolveEnvFrom = (
  request: ScaleOutRequest,
  nodeHasEnvFile: boolean,
): 'member' | 'node' =>
  request.node.envFrom === 'auto'
    ? nodeHasEnvFile
      ? 'node'
      : 'member'
    : request.node.envFrom;

/** The member whose env is the template: the healthy voter serving the first endpoint, else the first healthy voter. */
export function templateMember<M extends MemberInfo & { healthy: boolean }>(
  members: M[],
  request: ScaleOutRequest,
): M | undefined {
  const healthy = members.filter(
    (m) => m.healthy && !m.isLearner && m.name && m.clientURLs.length,
  );
  return (
    healthy.find((m) => m.clientURLs.includes(request.cluster.endpoints[0])) ??
    healthy[0]
  );
}

/**
 * The variables the join writes (the node adapter merges them into the node's file, or into nothing).
 * Throws EnvDerivationError when the template cannot be made the new member's.
 */
export function envToWrite(
  source: EnvSource,
  member: NewMember,
  initialCluster: string,
  dataDir: string,
): Record<string, string> {
  if (source.envFrom === 'member' && source.template)
    return deriveMemberEnv(
      source.template.text,
      source.template.member,
      member,
      initialCluster,
      dataDir,
    ).vars;
  return memberEnv(member, initialCluster, dataDir, undefined, source.nodeVars);
}
