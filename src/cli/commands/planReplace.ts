/**
 * plan for a replacement request (one with replaceMember): resolved over the cluster's profile where
 * the CLI runs, the live cluster read (members, their health, the leader), then the replacement's
 * plan: its path (the old member down: remove it first; healthy: join the new one first), the steps
 * with the point of no return named, the quorum numbers; or the refusal with its numbers. Changes
 * nothing.
 */
import {
  describeReplace,
  PlanError,
  planReplace,
  type ReplacePlan,
} from '../../domain/planning';
import { validateReplaceRequest } from '../../domain/request/replaceRequest';
import { CliError, EXIT } from '../errors';
import type { Io } from '../io';
import { memberLines, readLiveCluster } from './planCluster';
import { manifestDiffs } from './planManifests';
import { resolveHere } from './planRequest';

/** Where the run stops being undoable, in words, with the step it is. */
export function pointOfNoReturn(plan: ReplacePlan): string {
  const step = plan.steps.indexOf('remove-old') + 3;
  const undone =
    plan.path === 'healthy'
      ? `${plan.newMember.name} removed again, the apiservers' lists restored`
      : plan.atOwnAddress
        ? 'nothing was changed before it (the apiservers keep their list)'
        : "the apiservers' lists restored";
  return `point of no return: step ${step}, the removal of ${plan.old.name} (ID ${plan.old.id}); before it a failure undoes everything (${undone}), after it the run only goes forward and a failure leaves the cluster healthy at the size it reached`;
}

export async function planReplaceFile(
  file: string,
  raw: unknown,
  json: boolean,
  io: Io,
): Promise<number> {
  const request = await resolveHere(file, raw, io, validateReplaceRequest);
  const state = await readLiveCluster(request.cluster);
  let plan: ReplacePlan;
  try {
    plan = planReplace({
      cluster: request.cluster.name,
      members: state.members,
      leaderId: state.leaderId,
      replace: request.replaceMember,
      newMember: request.newMembers[0],
      endpoints: request.cluster.endpoints,
    });
  } catch (err) {
    if (err instanceof PlanError)
      throw new CliError(
        `the replacement is refused for cluster ${request.cluster.name} (nothing was changed): ${err.message}`,
        EXIT.usage,
      );
    throw err;
  }
  const steps = describeReplace(plan);
  // The lists once the replacement is done: the old member out, the new one appended (none at its own address).
  const diffs = plan.atOwnAddress
    ? [
        `no change: ${plan.newMember.clientURL} is ${plan.old.name}'s own client URL before and after, so no kube-apiserver manifest or kubeadm copy is touched`,
      ]
    : await manifestDiffs(request, {
        remove: plan.old.clientURLs,
        add: [plan.newMember.clientURL],
      });
  if (json) {
    io.out(
      JSON.stringify(
        {
          cluster: request.cluster.name,
          clusterId: state.clusterId,
          leaderId: state.leaderId,
          members: state.members,
          plan,
          steps,
          pointOfNoReturn: pointOfNoReturn(plan),
          manifestDiffs: diffs,
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  io.out(
    [
      `dry run for cluster ${request.cluster.name}: replace ${plan.old.name} by ${plan.newMember.name}, ${plan.before.voters} voting members before and after (nothing was changed)`,
      '',
      `live members (cluster ID ${state.clusterId}, read through ${request.cluster.endpoints.join(', ')}):`,
      ...memberLines(state),
      '',
      'steps:',
      ...steps.map((l) => `  ${l}`),
      '',
      pointOfNoReturn(plan),
      '',
      "kube-apiserver manifest and kubeadm's copy of the list per control-plane node once the replacement is done, then kubeadm's ConfigMap (read over SSH, nothing changed):",
      ...diffs.map((l) => `  ${l}`),
      ...plan.warnings.map((w) => `warning: ${w}`),
    ].join('\n'),
  );
  return EXIT.ok;
}
