/**
 * plan for a scale-in request (one with removeMembers): resolved over the cluster's profile where the
 * CLI runs, the live cluster read, the removals laid out with their quorum math (or the refusal with
 * its numbers). Changes nothing.
 */
import {
  createEtcdActivities,
  etcdConnector,
} from '../../activities/etcd/activities';
import { describeScaleIn, PlanError, planScaleIn } from '../../domain/planning';
import { resolveRequest } from '../../domain/profileResolution';
import {
  type ScaleInRequest,
  validateScaleInRequest,
} from '../../domain/scaleInRequest';
import { CliError, EXIT } from '../errors';
import type { Io } from '../io';
import { invalidRequest } from '../requestFile';
import { lookupHere } from './planRequest';

async function scaleInRequest(
  file: string,
  raw: unknown,
  io: Io,
): Promise<ScaleInRequest> {
  const name = (raw as { cluster?: { name?: unknown } }).cluster?.name;
  if (typeof name !== 'string')
    throw invalidRequest(file, [
      { field: 'cluster.name', message: 'is required' },
    ]);
  const lookup = await lookupHere(name);
  const r = lookup.profile
    ? resolveRequest(raw, lookup, undefined, validateScaleInRequest)
    : validateScaleInRequest(raw);
  if (!r.ok) throw invalidRequest(file, r.errors);
  io.err(
    lookup.profile
      ? `profile ${lookup.file}`
      : `no profile for cluster ${name} here (${lookup.file}): planned from the request alone`,
  );
  return r.request;
}

export async function planScaleInFile(
  file: string,
  raw: unknown,
  json: boolean,
  io: Io,
): Promise<number> {
  const request = await scaleInRequest(file, raw, io);
  let state: Awaited<
    ReturnType<ReturnType<typeof createEtcdActivities>['inspectCluster']>
  >;
  try {
    state = await createEtcdActivities({
      connect: etcdConnector(),
    }).inspectCluster(request.cluster);
  } catch (err) {
    throw new CliError(
      `cannot read the member list of cluster ${request.cluster.name} through ${request.cluster.endpoints.join(', ')}: ${(err as Error).message}`,
      EXIT.unreachable,
    );
  }
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
  if (json)
    io.out(
      JSON.stringify({ cluster: request.cluster.name, plan, steps }, null, 2),
    );
  else
    io.out([...steps, ...plan.warnings.map((w) => `warning: ${w}`)].join('\n'));
  return EXIT.ok;
}
