/** plan REQUEST.json [--json]: a dry run; reads the cluster through the etcd adapter, changes nothing. */

import type { ClusterState } from '../../activities/etcd/activities';
import {
  describePlan,
  PlanError,
  planScaleOut,
  type ScaleOutPlan,
} from '../../domain/planning';
import { clusterProblems } from '../../domain/planning/clusterHealth';
import { isReplaceRequest } from '../../domain/request/replaceRequest';
import type { ScaleOutRequest } from '../../domain/request/request';
import { isScaleInRequest } from '../../domain/request/scaleInRequest';
import type { CliCommand } from '../command';
import { CliError, EXIT } from '../errors';
import { type PlanView, renderPlan } from '../render/plan';
import { readJsonFile, readRequestFile } from '../requestFile';
import { readLiveCluster } from './planCluster';
import { envDiffs, memberEnvDiffs } from './planEnv';
import { manifestDiffs } from './planManifests';
import { planReplaceFile } from './planReplace';
import { requestToPlan } from './planRequest';
import { planScaleInFile } from './planScaleIn';

function plan(request: ScaleOutRequest, state: ClusterState): ScaleOutPlan {
  try {
    return planScaleOut(request, state.members);
  } catch (err) {
    if (err instanceof PlanError)
      throw new CliError(
        `the plan is refused for cluster ${request.cluster.name} (nothing was changed): ${err.message}`,
        EXIT.usage,
      );
    throw err;
  }
}

export const planCommand: CliCommand = {
  name: 'plan',
  args: ['<REQUEST.json>'],
  summary:
    'dry run of a scale-out, a scale-in or a replacement: validate, read the live member list, print the steps (no change, no Temporal)',
  options: [['--json', 'print the plan as JSON']],
  async run([file], options, io) {
    const json = await readJsonFile(file);
    if (isScaleInRequest(json))
      return planScaleInFile(file, json, !!options.json, io);
    if (isReplaceRequest(json))
      return planReplaceFile(file, json, !!options.json, io);
    const { raw, submitted } = await readRequestFile(file, json);
    const request = await requestToPlan(file, raw, submitted, io);
    const state = await readLiveCluster(request.cluster);
    const p = plan(request, state);
    const view: PlanView = {
      request,
      state,
      plan: p,
      steps: describePlan(p, request),
      problems: clusterProblems(state),
      envDiffs: await envDiffs(request, state, p),
      manifestDiffs: await manifestDiffs(request, {
        add: p.steps.map((s) => s.member.clientURL),
      }),
      memberEnvDiffs: await memberEnvDiffs(request, state, p),
    };
    if (options.json) {
      io.out(
        JSON.stringify(
          {
            cluster: request.cluster.name,
            clusterId: state.clusterId,
            leaderId: state.leaderId,
            members: state.members,
            plan: p,
            steps: view.steps,
            problems: view.problems,
            envDiffs: view.envDiffs,
            manifestDiffs: view.manifestDiffs,
            memberEnvDiffs: view.memberEnvDiffs,
          },
          null,
          2,
        ),
      );
    } else io.out(renderPlan(view));
    return EXIT.ok;
  },
};
