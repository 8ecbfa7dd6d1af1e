/**
 * Where Temporal is and how to reach it, resolved as the Temporal CLI and every SDK resolve it
 * (@temporalio/envconfig): the TEMPORAL_* environment over a temporal.toml profile
 * (TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml; TEMPORAL_PROFILE, default
 * `default`), and the caller's address/namespace over both. The product's defaults stay 127.0.0.1:7233
 * and `default`.
 *
 * The project's rules on top of the convention: certificates and keys only as file paths (the *_DATA
 * variables and *_data keys are refused), an API key from TEMPORAL_API_KEY, TEMPORAL_API_KEY_FILE or
 * a profile (never a flag), every file checked here so a missing key or an unreadable certificate is
 * named by its setting before any connection is tried. An empty variable counts as unset, as
 * docker-compose's `${X:-}` and systemd's `Environment=X=` leave them.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  type ClientConfigProfile,
  type ConfigDataSource,
  loadClientConfigProfile,
} from '@temporalio/envconfig';
import { ApiKey } from './apiKey';
import { TemporalSettingsError } from './errors';
import { readPemFile, readSettingFile } from './files';

export const DEFAULT_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_NAMESPACE = 'default';

/** What a caller may set over the environment and the profile. */
export interface ConnectOptions {
  address?: string;
  namespace?: string;
  /**
   * The environment to read instead of process.env, whole (not merged with it): an in-process test
   * client passes a TLS environment of its own without touching the process's.
   */
  env?: NodeJS.ProcessEnv;
}

/** The TLS files (paths) and the name the server's certificate must carry. */
export interface TlsSettings {
  clientCertPath?: string;
  clientKeyPath?: string;
  serverCaCertPath?: string;
  serverName?: string;
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** false: plaintext. */
  tls: TlsSettings | false;
  apiKey?: ApiKey;
  /** gRPC headers (TEMPORAL_GRPC_META_*, grpc_meta): their names only are ever shown. */
  grpcMeta: Record<string, string>;
  /** The temporal.toml profile the settings came from, when one was read. */
  profile?: { name: string; file: string };
  /** The setting behind each value (a variable, or a profile key with its file), for messages. */
  sources: Partial<Record<keyof TlsSettings | 'address', string>>;
}

/** Each TLS setting: its variable and its temporal.toml key. */
const TLS_KEYS = {
  clientCertPath: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'client_cert_path'],
  clientKeyPath: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'client_key_path'],
  serverCaCertPath: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'server_ca_cert_path'],
  serverName: ['TEMPORAL_TLS_SERVER_NAME', 'server_name'],
} as const;

/** Inline certificates and keys: the convention allows them, the project does not (file paths only). */
const DATA_VARIABLES = {
  TEMPORAL_TLS_CLIENT_CERT_DATA: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_CLIENT_KEY_DATA: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;

const TRUE = /^(1|true)$/i;

/** The TEMPORAL_* variables with empty ones dropped (an empty TEMPORAL_GRPC_META_X removes a header, kept). */
function cleanEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (
      v === '' &&
      k.startsWith('TEMPORAL_') &&
      !k.startsWith('TEMPORAL_GRPC_META_')
    )
      continue;
    out[k] = v;
  }
  return out;
}

/** TEMPORAL_CONFIG_FILE, else the convention's default place (none without HOME or XDG_CONFIG_HOME). */
function configFileOf(env: Record<string, string>): {
  path?: string;
  explicit: boolean;
} {
  if (env.TEMPORAL_CONFIG_FILE)
    return { path: env.TEMPORAL_CONFIG_FILE, explicit: true };
  const xdg = env.XDG_CONFIG_HOME;
  const dir =
    xdg && isAbsolute(xdg) ? xdg : env.HOME ? join(env.HOME, '.config') : '';
  return {
    path: dir ? join(dir, 'temporalio', 'temporal.toml') : undefined,
    explicit: false,
  };
}

/** The config file's text; undefined when the default file does not exist (that is the usual case). */
function readConfigFile(file: {
  path?: string;
  explicit: boolean;
}): string | undefined {
  if (!file.path) return undefined;
  if (!file.explicit && !existsSync(file.path)) return undefined;
  return readSettingFile(
    file.explicit ? 'TEMPORAL_CONFIG_FILE' : 'the Temporal config file',
    file.path,
  ).toString('utf8');
}

/** The profile, env over file, through the SDK's own loader; its errors told with the file and profile. */
function loadProfile(
  env: Record<string, string>,
  file: { path?: string; explicit: boolean },
  text: string | undefined,
): ClientConfigProfile {
  const profileName = env.TEMPORAL_PROFILE;
  if (profileName && text === undefined)
    throw new TemporalSettingsError(
      'TEMPORAL_PROFILE',
      `TEMPORAL_PROFILE is ${profileName} but there is no Temporal config file to read it from (${file.path ?? 'set TEMPORAL_CONFIG_FILE'})`,
    );
  try {
    return loadClientConfigProfile({
      profile: profileName,
      ...(text === undefined
        ? { disableFile: true }
        : { configSource: { data: text } }),
      overrideEnvVars: env,
    });
  } catch (err) {
    const e = err as { message?: string; line?: number; column?: number };
    if (/Profile '.*' not found/.test(String(e.message)))
      throw new TemporalSettingsError(
        'TEMPORAL_PROFILE',
        `profile ${profileName} (TEMPORAL_PROFILE) is not in ${file.path}`,
      );
    // The TOML parser's message quotes the line, which may hold an API key: only its place is told.
    if (e.line !== undefined)
      throw new TemporalSettingsError(
        'TEMPORAL_CONFIG_FILE',
        `${file.path} is not valid TOML (line ${e.line}, column ${e.column})`,
      );
    throw new TemporalSettingsError(
      'TEMPORAL_CONFIG_FILE',
      `${file.path ?? 'the Temporal settings'}: ${e.message}`,
    );
  }
}

/** The settings for `options`, every file named in them readable; TemporalSettingsError otherwise. */
export function resolveTemporalSettings(
  options: ConnectOptions = {},
): TemporalSettings {
  const env = cleanEnv(options.env ?? process.env);
  for (const [data, path] of Object.entries(DATA_VARIABLES))
    if (env[data])
      throw new TemporalSettingsError(
        data,
        `${data} holds a certificate or key itself; give its file instead, in ${path} (secrets travel as file paths)`,
      );
  if (TRUE.test(env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION ?? ''))
    throw new TemporalSettingsError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported by the TypeScript SDK, which always checks the name in the server certificate; set TEMPORAL_TLS_SERVER_NAME to a name the certificate carries instead',
    );
  // `false` is what the SDK does anyway; left in, the SDK's loader would take it as a TLS setting (TLS on).
  delete env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION;
  const file = configFileOf(env);
  const text = readConfigFile(file);
  const profile = loadProfile(env, file, text);
  const profileRef =
    text !== undefined && file.path
      ? { name: env.TEMPORAL_PROFILE || 'default', file: file.path }
      : undefined;
  const fromProfile = (key: string) =>
    `${key} of profile ${profileRef?.name} in ${profileRef?.file}`;
  const sourceOf = (variable: string, key: string) =>
    env[variable] ? variable : fromProfile(key);

  const address = options.address || profile.address || DEFAULT_ADDRESS;
  const addressSource = options.address
    ? 'the address given'
    : profile.address
      ? sourceOf('TEMPORAL_ADDRESS', 'address')
      : 'the default';
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(address))
    throw new TemporalSettingsError(
      'TEMPORAL_ADDRESS',
      `the Temporal address ${JSON.stringify(address)} (${addressSource}) is not host:port, e.g. temporal.example.com:7233`,
    );

  const apiKey = apiKeyOf(env, profile, fromProfile('api_key'));
  const tls = tlsOf(profile, apiKey, sourceOf, fromProfile);
  return {
    address,
    namespace: options.namespace || profile.namespace || DEFAULT_NAMESPACE,
    tls: tls.settings,
    ...(apiKey ? { apiKey } : {}),
    grpcMeta: profile.grpcMeta ?? {},
    ...(profileRef ? { profile: profileRef } : {}),
    sources: { ...tls.sources, address: addressSource },
  };
}

/** TEMPORAL_API_KEY, TEMPORAL_API_KEY_FILE (the project's: a secret as a file), or the profile's api_key. */
function apiKeyOf(
  env: Record<string, string>,
  profile: ClientConfigProfile,
  profileKey: string,
): ApiKey | undefined {
  const keyFile = env.TEMPORAL_API_KEY_FILE;
  if (keyFile && env.TEMPORAL_API_KEY)
    throw new TemporalSettingsError(
      'TEMPORAL_API_KEY_FILE',
      'both TEMPORAL_API_KEY and TEMPORAL_API_KEY_FILE are set; set one',
    );
  if (keyFile) {
    const key = readSettingFile('TEMPORAL_API_KEY_FILE', keyFile)
      .toString('utf8')
      .trim();
    if (!key)
      throw new TemporalSettingsError(
        'TEMPORAL_API_KEY_FILE',
        `TEMPORAL_API_KEY_FILE ${keyFile} is empty`,
      );
    return new ApiKey(key, `TEMPORAL_API_KEY_FILE ${keyFile}`);
  }
  if (!profile.apiKey) return undefined;
  return new ApiKey(
    profile.apiKey,
    env.TEMPORAL_API_KEY ? 'TEMPORAL_API_KEY' : profileKey,
  );
}

/** The path of a profile's certificate or key; inline data refused. */
function pathOf(
  source: ConfigDataSource | undefined,
  dataKey: string,
  fromProfile: (key: string) => string,
): string | undefined {
  if (!source) return undefined;
  if ('path' in source) return source.path;
  throw new TemporalSettingsError(
    dataKey,
    `${fromProfile(dataKey)} holds a certificate or key itself; give its file instead, as ${dataKey.replace('_data', '_path')} (secrets travel as file paths)`,
  );
}

/** TLS on or off and its files, checked: a certificate needs its key, every file must be readable PEM. */
function tlsOf(
  profile: ClientConfigProfile,
  apiKey: ApiKey | undefined,
  sourceOf: (variable: string, key: string) => string,
  fromProfile: (key: string) => string,
): { settings: TlsSettings | false; sources: TemporalSettings['sources'] } {
  const t = profile.tls;
  // As the SDK: TLS when anything of it is set or with an API key, unless turned off (TEMPORAL_TLS=false).
  if (t?.disabled === true || (!t && !apiKey))
    return { settings: false, sources: {} };
  const settings: TlsSettings = {
    clientCertPath: pathOf(t?.clientCert, 'client_cert_data', fromProfile),
    clientKeyPath: pathOf(t?.clientKey, 'client_key_data', fromProfile),
    serverCaCertPath: pathOf(
      t?.serverCACert,
      'server_ca_cert_data',
      fromProfile,
    ),
    serverName: t?.serverName,
  };
  const sources: TemporalSettings['sources'] = {};
  for (const [field, [variable, key]] of Object.entries(TLS_KEYS))
    if (settings[field as keyof TlsSettings])
      sources[field as keyof TlsSettings] = sourceOf(variable, key);
  const { clientCertPath: cert, clientKeyPath: key } = settings;
  if (cert && !key)
    throw new TemporalSettingsError(
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      `a client certificate is set (${sources.clientCertPath} ${cert}) but not its key: set TEMPORAL_TLS_CLIENT_KEY_PATH to the key's file`,
    );
  if (key && !cert)
    throw new TemporalSettingsError(
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      `a client key is set (${sources.clientKeyPath} ${key}) but not its certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH to the certificate's file`,
    );
  if (cert) readPemFile(sources.clientCertPath as string, cert, 'certificate');
  if (key) readPemFile(sources.clientKeyPath as string, key, 'key');
  if (settings.serverCaCertPath)
    readPemFile(
      sources.serverCaCertPath as string,
      settings.serverCaCertPath,
      'certificate',
    );
  for (const k of Object.keys(settings) as (keyof TlsSettings)[])
    if (settings[k] === undefined) delete settings[k];
  return { settings, sources };
}

/** One line for a log: the server, the namespace and how it is reached (files by path, never the key). */
export function describeTemporalSettings(s: TemporalSettings): string {
  const parts = [`${s.address} namespace ${s.namespace}`];
  if (!s.tls) parts.push('plaintext');
  else
    parts.push(
      `${s.tls.clientCertPath ? 'mutual TLS' : 'TLS'}${[
        s.tls.clientCertPath && ` client certificate ${s.tls.clientCertPath}`,
        s.tls.serverCaCertPath && ` CA ${s.tls.serverCaCertPath}`,
        s.tls.serverName && ` server name ${s.tls.serverName}`,
      ]
        .filter(Boolean)
        .join(',')}`,
    );
  if (s.apiKey) parts.push(`${s.apiKey}`);
  const headers = Object.keys(s.grpcMeta);
  if (headers.length) parts.push(`gRPC headers ${headers.join(', ')}`);
  if (s.profile) parts.push(`profile ${s.profile.name} of ${s.profile.file}`);
  return parts.join(', ');
}
