/**
 * Cluster profiles on the worker: one file per cluster, `<dir>/<cluster>.json`, and the worker's inline
 * setting. Read in the validate phase (loadClusterProfile), so every run, whatever started it, is
 * resolved against the same profile, and its history records the profile it used.
 *
 * The worker's settings: ETCD_SCALEOUT_PROFILES_DIR (default /etc/etcd-scaleout/profiles) and
 * ETCD_SCALEOUT_INLINE_SETTINGS ("deny", the default: a request may not set what a profile owns, and a
 * cluster needs a profile; "allow": a request's own settings are used, over the profile's if any).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import { profileFileName, validateProfile } from '../domain/profile/profile';
import {
  INLINE_SETTINGS,
  type InlineSettings,
  type ProfileLookup,
} from '../domain/profile/profileResolution';
import { NAME } from '../domain/request/patterns';
import { formatErrors } from '../domain/request/request';

export interface ProfileSettings {
  /** The folder of the cluster profiles, on the worker. */
  dir: string;
  inlineSettings: InlineSettings;
}

export const DEFAULT_PROFILES_DIR = '/etc/etcd-scaleout/profiles';
export const DEFAULT_INLINE_SETTINGS: InlineSettings = 'deny';

/** The worker's profile settings from its environment; a bad value is an error at start, naming the variable. */
export function profileSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): ProfileSettings {
  const inline = env.ETCD_SCALEOUT_INLINE_SETTINGS || DEFAULT_INLINE_SETTINGS;
  if (!(INLINE_SETTINGS as readonly string[]).includes(inline))
    throw new Error(
      `ETCD_SCALEOUT_INLINE_SETTINGS must be ${INLINE_SETTINGS.map((s) => JSON.stringify(s)).join(' or ')}, got ${JSON.stringify(inline)}`,
    );
  const dir = env.ETCD_SCALEOUT_PROFILES_DIR || DEFAULT_PROFILES_DIR;
  if (!dir.startsWith('/'))
    throw new Error(
      `ETCD_SCALEOUT_PROFILES_DIR must be an absolute path, got ${JSON.stringify(dir)}`,
    );
  return { dir, inlineSettings: inline as InlineSettings };
}

const profileInvalid = (message: string, details?: unknown) =>
  ApplicationFailure.create({
    type: ErrorType.ProfileInvalid,
    message,
    details: details === undefined ? undefined : [details],
    nonRetryable: true,
  });

/**
 * The profile of `cluster` (none when its file does not exist) and the inline setting. A profile that
 * cannot be read or breaks the rules is refused (ProfileInvalid), naming the file and each field.
 */
export async function readClusterProfile(
  settings: ProfileSettings,
  cluster: string,
): Promise<ProfileLookup> {
  // The name becomes a file name: the request's own pattern keeps it inside the folder.
  if (!NAME.test(cluster))
    throw profileInvalid(
      `cluster name ${JSON.stringify(cluster)} cannot name a profile file`,
    );
  const file = join(settings.dir, profileFileName(cluster));
  const lookup = { cluster, file, inlineSettings: settings.inlineSettings };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return lookup;
    throw profileInvalid(
      `the profile of cluster ${cluster} on the worker (${file}) cannot be read: ${code ?? (err as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw profileInvalid(
      `the profile of cluster ${cluster} on the worker (${file}) is not valid JSON: ${(err as Error).message}`,
    );
  }
  const v = validateProfile(raw, cluster);
  if (!v.ok)
    throw profileInvalid(
      `the profile of cluster ${cluster} on the worker (${file}) is invalid: ${formatErrors(v.errors)}`,
      v.errors,
    );
  return { ...lookup, profile: v.profile };
}

export function createProfileActivities(settings: ProfileSettings) {
  return {
    /** The cluster's profile and the worker's inline setting: paths and names only, no secret. */
    loadClusterProfile: (cluster: string): Promise<ProfileLookup> =>
      readClusterProfile(settings, cluster),
  };
}
