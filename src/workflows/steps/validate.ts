/**
 * validate: the request the run works with, before any change. The cluster's profile and the worker's
 * inline setting are read on the worker (loadClusterProfile, recorded in the history: the profile a run
 * used is part of its audit trail); the request is resolved over it (domain/profile/profileResolution.ts) and
 * validated whole. A bad request fails at once naming every bad field; a request that sets what the
 * profile owns, on a worker that refuses inline settings, fails naming each such field.
 *
 * Runs started before profiles existed replay without the read, and those started before new members'
 * places were checked replay without that check (`patched`).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  log,
  patched,
} from '@temporalio/workflow';
import { ErrorType } from '../../domain/errors';
import {
  type ProfileLookup,
  type Resolution,
  resolveRequest,
} from '../../domain/profile/profileResolution';
import {
  type ReplaceRequest,
  validateReplaceRequest,
  validateSubmittedReplace,
} from '../../domain/request/replaceRequest';
import {
  CURRENT_RULES,
  type FieldError,
  formatErrors,
  type RequestRules,
  type ScaleOutRequest,
  validateRequest,
} from '../../domain/request/request';
import {
  type ScaleInRequest,
  validateScaleInRequest,
} from '../../domain/request/scaleInRequest';
import { validateSubmittedRequest } from '../../domain/request/submittedRequest';
import { activitiesBeforeRequest } from '../run/activityPolicies';
import { activitySummary } from '../run/messages';

const PATCH = 'cluster-profiles';
/** Where new members may be (domain/request/newMemberPlaces.ts): runs started before it replay without it. */
const PLACES_PATCH = 'new-member-places';
/** A replacement at the replaced member's own address (requestChecks.ts): runs started before it replay without it. */
const OWN_ADDRESS_PATCH = 'replace-at-own-address';

const REFUSED: Record<Extract<Resolution, { ok: false }>['type'], string> = {
  [ErrorType.InvalidRequest]: 'invalid request',
  [ErrorType.InlineSettingRefused]: 'inline settings refused',
  [ErrorType.ProfileMissing]: 'no cluster profile',
};

function refused(
  type: keyof typeof REFUSED,
  errors: FieldError[],
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message: `${REFUSED[type]}: ${formatErrors(errors)}`,
    details: [errors],
    nonRetryable: true,
  });
}

export async function validate(input: unknown): Promise<ScaleOutRequest> {
  const rules: RequestRules = { newMemberPlaces: patched(PLACES_PATCH) };
  if (!patched(PATCH)) {
    const v = validateRequest(input, rules);
    if (!v.ok) throw refused(ErrorType.InvalidRequest, v.errors);
    return v.request;
  }
  // What the entry points check comes first, with no I/O: a malformed request reads no profile.
  const submitted = validateSubmittedRequest(input, rules);
  if (!submitted.ok) throw refused(ErrorType.InvalidRequest, submitted.errors);
  const lookup = await loadClusterProfile(submitted.request.cluster.name);
  const r = resolveRequest(input, lookup, rules);
  if (!r.ok) throw refused(r.type, r.errors);
  if (r.profileFile)
    log.info(
      `cluster ${submitted.request.cluster.name}: profile ${r.profileFile}${r.overrides.length ? `, with the request's own ${r.overrides.join(', ')}` : ''}`,
    );
  return r.request;
}

/**
 * The scale-in's validate: the same profile read and resolution as the scale-out's, with the scale-in's
 * schema (removeMembers instead of newMembers). The cluster's name is checked before the profile is read.
 */
export async function validateScaleIn(input: unknown): Promise<ScaleInRequest> {
  const name = (input as { cluster?: { name?: unknown } } | null)?.cluster
    ?.name;
  if (typeof name !== 'string' || !name) {
    const v = validateScaleInRequest(input);
    throw refused(
      ErrorType.InvalidRequest,
      v.ok ? [{ field: 'cluster.name', message: 'is required' }] : v.errors,
    );
  }
  const lookup = await loadClusterProfile(name);
  const r = resolveRequest(input, lookup, undefined, validateScaleInRequest);
  if (!r.ok) throw refused(r.type, r.errors);
  return r.request;
}

/**
 * The replacement's validate: the scale-out's (what an entry point checks first, with no I/O; then the
 * profile read and the resolution), with the replacement's validator (`replaceMember`, one new member).
 */
export async function validateReplace(input: unknown): Promise<ReplaceRequest> {
  const rules: RequestRules = {
    ...CURRENT_RULES,
    replaceAtOwnAddress: patched(OWN_ADDRESS_PATCH),
  };
  const submitted = validateSubmittedReplace(input, rules);
  if (!submitted.ok) throw refused(ErrorType.InvalidRequest, submitted.errors);
  const lookup = await loadClusterProfile(submitted.request.cluster.name);
  const r = resolveRequest(input, lookup, rules, validateReplaceRequest);
  if (!r.ok) throw refused(r.type, r.errors);
  return r.request;
}

/** The profile read on the worker; its refusal (ProfileInvalid) is the run's failure as it is. */
async function loadClusterProfile(cluster: string): Promise<ProfileLookup> {
  try {
    return await activitiesBeforeRequest(
      activitySummary('validate'),
    ).loadClusterProfile(cluster);
  } catch (err) {
    if (
      err instanceof ActivityFailure &&
      err.cause instanceof ApplicationFailure
    )
      throw err.cause;
    throw err;
  }
}
