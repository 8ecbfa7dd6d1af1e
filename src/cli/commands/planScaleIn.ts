/**
 * plan for a scale-in request (one with removeMembers): resolved over the cluster's profile where the
 * CLI runs, the live cluster read, the removals laid out with their quorum math (or the refusal with
 * its numbers). Changes nothing.
 */
import { describeScaleIn, PlanError, planScaleIn } from '../../domain/planning';
import { validateScaleInRequest } from '../../domain/request/scaleInRequest';
import { CliError, EXIT } from '../errors';
import type { Io } from '../io';
import { readLiveCluster } from './planCluster';
import { manifestDiffs } from './planManifests';
import { resolveHere } from './planRequest';

export async function planScaleInFile(
  file: string,
  raw: unknown,
  json: boolean,
  io: Io,
): Promise<number> {
  const request = await resolveHere(file, raw, io, validateScaleInRequest);
  const state = await readLiveCluster(request.cluster);
  let plan: ReturnType<typeof planScaleIn>;
  try {
    plan = planScaleIn({
      cluster: request.cluster.name,
      members: state.members,
      remove: request.removeMembers,
      endpoints: request.cluster.endpoints,
      allowEvenSize: request.strategy.allowEvenSize,
      allowNoFaultTolerance: request.strategy.allowNoFaultTolerance,
    });
  } catch (err) {
    if (err instanceof PlanError)
      throw new CliError(
        `the scale-in is refused for cluster ${request.cluster.name} (nothing was changed): ${err.message}`,
        EXIT.usage,
      );
    throw err;
  }
  const steps = describeScaleIn(plan);
  const diffs = await manifestDiffs(request, {
    remove: plan.steps.flatMap((s) => s.member.clientURLs),
  });
  if (json)
    io.out(
      JSON.stringify(
        { cluster: request.cluster.name, plan, steps, manifestDiffs: diffs },
        null,
        2,
      ),
    );
  else
    io.out(
      [
        ...steps,
        '',
        "kube-apiserver manifest and kubeadm's copy of the list per control-plane node once every removal is done, then kubeadm's ConfigMap (one removal at a time in the run; read over SSH, nothing changed):",
        ...diffs.map((l) => `  ${l}`),
        ...plan.warnings.map((w) => `warning: ${w}`),
      ].join('\n'),
    );
  return EXIT.ok;
}
