/**
 * The request a run works with: the request as written, over its cluster's profile from the worker.
 *
 * The profile owns everything but what a ticket says: how the cluster and its nodes are reached and
 * where things are on them (cluster.*, ssh, node, backup, controlPlane), every strategy setting (the ones it leaves
 * unset take their documented defaults, never a requester's value: `certificates: "issue"` from a
 * ticket would have the CA sign for any host the requester owns), and where the outcome is sent (notify: a ticket must not sign
 * another team's outcome with the operator's secret, nor aim the worker at internal hosts). A request
 * from a ticket names the cluster (`cluster.name`), the new members and the ticket, nothing else.
 * Whether a request may set anything more (or, with no profile, everything) is the worker's setting,
 * ETCD_SCALEOUT_INLINE_SETTINGS: "deny" refuses such a request naming each field, "allow" lets the
 * request's values win, held to the same patterns as the profile's.
 *
 * Pure: the workflow's validate phase and the dry run resolve the same way.
 */
import { ErrorType } from '../errors';
import {
  CURRENT_RULES,
  type FieldError,
  type RequestRules,
  type ScaleOutRequest,
  validateRequest,
} from '../request/request';
import type { ClusterProfile } from './profile';

export const INLINE_SETTINGS = ['allow', 'deny'] as const;
export type InlineSettings = (typeof INLINE_SETTINGS)[number];

/** What the worker knows about a cluster: its profile (if it has one) and its inline setting. */
export interface ProfileLookup {
  cluster: string;
  /** Where the profile is (or would be) on the worker, for messages and the audit. */
  file: string;
  profile?: ClusterProfile;
  inlineSettings: InlineSettings;
}

export type Resolution<R = ScaleOutRequest> =
  | {
      ok: true;
      request: R;
      /** The profile's file, when one was used. */
      profileFile?: string;
      /** Fields the request set over its profile (inline settings allowed). */
      overrides: string[];
    }
  | {
      ok: false;
      type:
        | typeof ErrorType.InvalidRequest
        | typeof ErrorType.InlineSettingRefused
        | typeof ErrorType.ProfileMissing;
      errors: FieldError[];
    };

/**
 * The sections a profile holds besides cluster and strategy, merged under an allowed inline request's.
 * `notify` is one: where the outcome goes and which secret signs it are the operator's.
 */
const OWNED_SECTIONS = [
  'ssh',
  'node',
  'backup',
  'controlPlane',
  'notify',
  'inventory',
] as const;
/** The request's sections beyond a ticket's, in the order refusals name them; an unknown one is left to validation. */
const SETTING_SECTIONS = [
  'cluster',
  'ssh',
  'node',
  'backup',
  'controlPlane',
  'strategy',
  'notify',
  'inventory',
] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const keysOf = (v: unknown, section: string): string[] =>
  isObject(v) ? Object.keys(v).map((k) => `${section}.${k}`) : [section];

/**
 * The fields of `raw` beyond what a ticket says (cluster.name, newMembers, ticket): each one is an
 * inline setting, whether the profile sets it or leaves it to its default.
 */
export function inlineSettingsIn(raw: Json): string[] {
  const fields: string[] = [];
  for (const section of SETTING_SECTIONS) {
    if (raw[section] === undefined) continue;
    const keys = keysOf(raw[section], section);
    fields.push(
      ...(section === 'cluster'
        ? keys.filter((f) => f !== 'cluster.name')
        : keys),
    );
  }
  return fields;
}

/** Whether the profile itself sets `field` (a section, or section.key). */
function profileSets(profile: ClusterProfile, field: string): boolean {
  const [section, key] = field.split('.', 2) as [string, string | undefined];
  const value = (profile as Json)[section];
  if (value === undefined) return false;
  return key === undefined || (isObject(value) && value[key] !== undefined);
}

/** Why a deny-mode worker refuses `field` from this request: the profile sets it, or keeps its default. */
function refusalOf(lookup: ProfileLookup, field: string): string {
  const where = `the profile of cluster ${lookup.cluster} on the worker (${lookup.file})`;
  const deny =
    'the worker refuses inline settings (ETCD_SCALEOUT_INLINE_SETTINGS=deny): leave it out of the request';
  return lookup.profile && profileSets(lookup.profile, field)
    ? `is set by ${where}, and ${deny}`
    : `is not a ticket's to set: ${where} leaves it at its default, a ticket names only cluster.name, newMembers and ticket, and ${deny} (the operator sets it in the profile)`;
}

/** One section of the merged request: the request's fields over the profile's. */
function over(profiled: unknown, requested: unknown): unknown {
  if (requested === undefined) return profiled;
  if (isObject(profiled) && isObject(requested))
    return { ...profiled, ...requested };
  return requested;
}

/** The request over the profile, before validation (the request's own values win). */
export function mergeOverProfile(raw: Json, profile: ClusterProfile): Json {
  const merged: Json = { ...raw };
  merged.cluster = over(profile.cluster, raw.cluster);
  for (const section of [...OWNED_SECTIONS, 'strategy'] as const) {
    const value = over(profile[section], raw[section]);
    if (value !== undefined) merged[section] = value;
  }
  return merged;
}

/** A workflow type's own validation of a whole request (the scale-out's: validateRequest). */
export type RequestValidator<R> = (
  raw: unknown,
  rules: RequestRules,
) => { ok: true; request: R } | { ok: false; errors: FieldError[] };

/**
 * Resolves a raw request against what the worker knows about its cluster; never throws. Every
 * workflow type resolves the same way, each with its own validator (default: the scale-out's).
 */
export function resolveRequest<R = ScaleOutRequest>(
  raw: unknown,
  lookup: ProfileLookup,
  rules: RequestRules = CURRENT_RULES,
  validate: RequestValidator<R> = validateRequest as unknown as RequestValidator<R>,
): Resolution<R> {
  if (!isObject(raw)) {
    const v = validate(raw, rules);
    return {
      ok: false,
      type: ErrorType.InvalidRequest,
      errors: v.ok ? [] : v.errors,
    };
  }
  const { profile, inlineSettings } = lookup;
  if (!profile && inlineSettings === 'deny')
    return {
      ok: false,
      type: ErrorType.ProfileMissing,
      errors: [
        {
          field: 'cluster.name',
          message: `cluster ${JSON.stringify(lookup.cluster)} has no profile on the worker (${lookup.file}), and the worker refuses inline settings (ETCD_SCALEOUT_INLINE_SETTINGS=deny): the operator writes its profile first (etcd-scaleout profile from-kubespray)`,
        },
      ],
    };
  const inline = profile ? inlineSettingsIn(raw) : [];
  if (profile && inline.length && inlineSettings === 'deny')
    return {
      ok: false,
      type: ErrorType.InlineSettingRefused,
      errors: inline.map((field) => ({
        field,
        message: refusalOf(lookup, field),
      })),
    };
  const v = validate(profile ? mergeOverProfile(raw, profile) : raw, rules);
  if (!v.ok)
    return { ok: false, type: ErrorType.InvalidRequest, errors: v.errors };
  return profile
    ? {
        ok: true,
        request: v.request,
        profileFile: lookup.file,
        overrides: inline,
      }
    : { ok: true, request: v.request, overrides: [] };
}
