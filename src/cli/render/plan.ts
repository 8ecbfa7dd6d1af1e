/** The dry run as text: live members, the numbered steps, each new member's initial cluster. */
import type { ClusterState } from '../../activities/etcd/activities';
import type { ScaleOutPlan } from '../../domain/planning';
import type { ScaleOutRequest } from '../../domain/request/request';
import { memberLines } from '../commands/planCluster';

export interface PlanView {
  request: ScaleOutRequest;
  state: ClusterState;
  plan: ScaleOutPlan;
  steps: string[];
  problems: string[];
  /** Per new node, the env file to be written as a diff against the node's (see commands/planEnv.ts). */
  envDiffs: string[];
  /** Per control-plane node, the kube-apiserver manifest's --etcd-servers diff, in rollout order (commands/planManifests.ts). */
  manifestDiffs: string[];
  /** Per existing member, its env file with the full member list, as a diff (see commands/planEnv.ts). */
  memberEnvDiffs?: string[];
}

export function renderPlan({
  request,
  state,
  plan,
  steps,
  problems,
  envDiffs,
  manifestDiffs,
  memberEnvDiffs,
}: PlanView): string {
  const out = [
    `dry run for cluster ${request.cluster.name}: ${plan.from} -> ${plan.to} voting members (nothing was changed)`,
    '',
  ];
  out.push(
    `live members (cluster ID ${state.clusterId}, read through ${request.cluster.endpoints.join(', ')}):`,
  );
  out.push(...memberLines(state));
  out.push(
    '',
    'steps:',
    ...steps.map((l) => `  ${l}`),
    '',
    'initial cluster per new member:',
  );
  for (const s of plan.steps)
    out.push(`  ${s.member.name}: ETCD_INITIAL_CLUSTER=${s.initialCluster}`);
  out.push(
    '',
    `env file per new member (${request.node.envFile}, read over SSH, nothing changed):`,
    ...envDiffs.map((l) => `  ${l}`),
  );
  if (memberEnvDiffs?.length)
    out.push(
      '',
      `env file per existing member after the run (${request.node.envFile}: ETCD_INITIAL_CLUSTER and ETCD_INITIAL_CLUSTER_STATE only, one member at a time, no restart):`,
      ...memberEnvDiffs.map((l) => `  ${l}`),
    );
  out.push(
    '',
    "kube-apiserver manifest and kubeadm's copy of the list per control-plane node, one node at a time after the last member, then kubeadm's ConfigMap (read over SSH, nothing changed):",
    ...manifestDiffs.map((l) => `  ${l}`),
  );
  for (const w of plan.warnings) out.push(`warning: ${w}`);
  for (const p of problems) out.push(`preflight would refuse: ${p}`);
  return out.join('\n');
}
