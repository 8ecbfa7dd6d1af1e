/**
 * The request a run works with: the request as written, over its cluster's profile from the worker.
 *
 * The profile owns how the cluster and its nodes are reached and where things are on them
 * (cluster.endpoints, cluster.tls, ssh, node, backup, controlPlane), where the outcome is sent
 * (notify) and the strategy settings it sets. A request names the cluster, the new members, the
 * ticket, and the strategy settings the profile leaves open.
 * Whether a request may set what a profile owns (or, with no profile, everything) is the worker's
 * setting, ETCD_SCALEOUT_INLINE_SETTINGS: "deny" refuses such a request naming each field, "allow"
 * lets the request's values win, held to the same patterns as the profile's.
 *
 * Pure: the workflow's validate phase and the dry run resolve the same way.
 */
import { ErrorType } from './errors';
import type { ClusterProfile } from './profile';
import {
  type FieldError,
  type ScaleOutRequest,
  validateRequest,
} from './request';

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

export type Resolution =
  | {
      ok: true;
      request: ScaleOutRequest;
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
 * The sections a profile owns whole: any field a request sets in them is an inline setting. `notify`
 * is one: where the outcome goes and which secret signs it are the operator's (a ticket must not
 * sign another team's outcome with the operator's secret, nor aim the worker at internal hosts).
 */
const OWNED_SECTIONS = [
  'ssh',
  'node',
  'backup',
  'controlPlane',
  'notify',
] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const keysOf = (v: unknown, section: string): string[] =>
  isObject(v) ? Object.keys(v).map((k) => `${section}.${k}`) : [section];

/** The fields of `raw` that set what `profile` owns: its whole sections, and the strategy settings it sets. */
export function inlineSettingsIn(raw: Json, profile: ClusterProfile): string[] {
  const cluster = isObject(raw.cluster) ? raw.cluster : {};
  const fields = keysOf(cluster, 'cluster').filter((f) => f !== 'cluster.name');
  for (const section of OWNED_SECTIONS)
    if (raw[section] !== undefined)
      fields.push(...keysOf(raw[section], section));
  if (raw.strategy !== undefined) {
    const fixed = new Set(Object.keys(profile.strategy ?? {}));
    fields.push(
      ...keysOf(raw.strategy, 'strategy').filter(
        (f) => f === 'strategy' || fixed.has(f.slice('strategy.'.length)),
      ),
    );
  }
  return fields;
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

/** Resolves a raw request against what the worker knows about its cluster; never throws. */
export function resolveRequest(
  raw: unknown,
  lookup: ProfileLookup,
): Resolution {
  if (!isObject(raw)) {
    const v = validateRequest(raw);
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
  const inline = profile ? inlineSettingsIn(raw, profile) : [];
  if (profile && inline.length && inlineSettings === 'deny')
    return {
      ok: false,
      type: ErrorType.InlineSettingRefused,
      errors: inline.map((field) => ({
        field,
        message: `is set by the profile of cluster ${lookup.cluster} on the worker (${lookup.file}), and the worker refuses inline settings (ETCD_SCALEOUT_INLINE_SETTINGS=deny): leave it out of the request`,
      })),
    };
  const v = validateRequest(profile ? mergeOverProfile(raw, profile) : raw);
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
