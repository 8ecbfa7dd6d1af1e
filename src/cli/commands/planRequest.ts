/**
 * The dry run's request: resolved over the cluster's profile when it is readable where the CLI runs
 * (ETCD_SCALEOUT_PROFILES_DIR and ETCD_SCALEOUT_INLINE_SETTINGS, as on the worker), the same way the
 * workflow's validate phase resolves it (domain/profile/profileResolution.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  type ProfileSettings,
  profileSettingsFromEnv,
  readClusterProfile,
} from '../../activities/profiles';
import {
  type ProfileLookup,
  type RequestValidator,
  resolveRequest,
} from '../../domain/profile/profileResolution';
import {
  CURRENT_RULES,
  type ScaleOutRequest,
} from '../../domain/request/request';
import type { SubmittedRequest } from '../../domain/request/submittedRequest';
import { CliError, EXIT } from '../errors';
import type { Io } from '../io';
import { invalidRequest } from '../requestFile';

function settingsHere(): ProfileSettings {
  try {
    return profileSettingsFromEnv();
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

export async function lookupHere(cluster: string): Promise<ProfileLookup> {
  try {
    return await readClusterProfile(settingsHere(), cluster);
  } catch (err) {
    if (err instanceof ApplicationFailure)
      throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}

/**
 * The request the run would work with. Without a profile here, a whole request is planned as it is
 * (whether the worker accepts inline settings is the worker's setting), and one that names only its
 * cluster cannot be planned.
 */
export async function requestToPlan(
  file: string,
  raw: unknown,
  submitted: SubmittedRequest,
  io: Io,
): Promise<ScaleOutRequest> {
  const cluster = submitted.request.cluster.name;
  const lookup = await lookupHere(cluster);
  if (!lookup.profile) {
    if (submitted.kind === 'profile')
      throw new CliError(
        `cluster ${cluster} has no profile readable here (${lookup.file}), and ${file} names only the cluster: run plan where the worker's profiles are (ETCD_SCALEOUT_PROFILES_DIR), or give a whole request`,
        EXIT.usage,
      );
    io.err(
      `no profile for cluster ${cluster} here (${lookup.file}): planned from the request alone; a worker that refuses inline settings refuses it`,
    );
    return submitted.request;
  }
  const r = resolveRequest(raw, lookup);
  if (!r.ok) throw invalidRequest(file, r.errors);
  io.err(
    `profile ${lookup.file}${r.overrides.length ? `, with the request's own ${r.overrides.join(', ')}` : ''}`,
  );
  return r.request;
}

/**
 * A scale-in's or a replacement's request, resolved over the cluster's profile here when there is one
 * (with that workflow type's own validator), else validated as it is.
 */
export async function resolveHere<R>(
  file: string,
  raw: unknown,
  io: Io,
  validate: RequestValidator<R>,
): Promise<R> {
  const name = (raw as { cluster?: { name?: unknown } }).cluster?.name;
  if (typeof name !== 'string')
    throw invalidRequest(file, [
      { field: 'cluster.name', message: 'is required' },
    ]);
  const lookup = await lookupHere(name);
  const r = lookup.profile
    ? resolveRequest(raw, lookup, undefined, validate)
    : validate(raw, CURRENT_RULES);
  if (!r.ok) throw invalidRequest(file, r.errors);
  io.err(
    lookup.profile
      ? `profile ${lookup.file}`
      : `no profile for cluster ${name} here (${lookup.file}): planned from the request alone`,
  );
  return r.request;
}
