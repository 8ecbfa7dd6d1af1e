/**
 * The one way the product reaches Temporal: the settings (./settings) turned into the SDK's
 * connection options, and a failed connection turned into TemporalConnectError in words (./probe,
 * ./diagnosis). The client Connection lives here (the CLI, the API, the demo, the tests); the
 * worker's NativeConnection in ./native, so the CLI and the API never load the worker's native core.
 */
import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { GrpcStatus, grpcCode, grpcDetails } from '../client/grpc';
import { diagnose, type TransportErrorLike } from './diagnosis';
import { TemporalConnectError, TemporalSettingsError } from './errors';
import { readSettingFile } from './files';
import { probeTemporal } from './probe';
import {
  type ConnectOptions,
  resolveTemporalSettings,
  type TemporalSettings,
} from './settings';

/** The SDK's connection options (both clients take these): the files read now, the key revealed. */
export function sdkConnectionOptions(settings: TemporalSettings): {
  address: string;
  tls: TLSConfig | false;
  apiKey?: string;
  metadata?: Record<string, string>;
} {
  const { tls, sources } = settings;
  const read = (path: string | undefined, source: string | undefined) =>
    path ? readSettingFile(source ?? 'TLS file', path) : undefined;
  const cert = tls && read(tls.clientCertPath, sources.clientCertPath);
  const key = tls && read(tls.clientKeyPath, sources.clientKeyPath);
  return {
    address: settings.address,
    tls: tls
      ? {
          ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
          ...(tls.serverCaCertPath
            ? {
                serverRootCACertificate: read(
                  tls.serverCaCertPath,
                  sources.serverCaCertPath,
                ),
              }
            : {}),
          ...(cert && key ? { clientCertPair: { crt: cert, key } } : {}),
        }
      : false,
    ...(settings.apiKey ? { apiKey: settings.apiKey.reveal() } : {}),
    ...(Object.keys(settings.grpcMeta).length
      ? { metadata: settings.grpcMeta }
      : {}),
  };
}

/** The socket or TLS errors inside an SDK error (its causes), first the deepest. */
function transportErrors(err: unknown): TransportErrorLike[] {
  const found: TransportErrorLike[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e; depth++) {
    const x = e as {
      code?: string | number;
      message?: string;
      details?: string;
    };
    found.unshift({
      code: x.code,
      message: `${x.message ?? ''} ${x.details ?? ''}`,
    });
    e = (e as { cause?: unknown }).cause;
  }
  return found;
}

/** The first line of an error's message, without the gRPC status prefix ("14 UNAVAILABLE: "). */
const firstLine = (err: unknown): string =>
  String((err as Error)?.message ?? err)
    .split('\n')[0]
    .replace(/^\d+ [A-Z_]+: /, '');

/**
 * `err` (a failed connect) as a TemporalConnectError saying why: credentials refused, or what a
 * socket with the same settings meets, or what the SDK's error itself says.
 */
export async function explainConnectFailure(
  err: unknown,
  settings: TemporalSettings,
): Promise<Error> {
  if (
    err instanceof TemporalSettingsError ||
    err instanceof TemporalConnectError
  )
    return err;
  const code = grpcCode(err);
  if (
    code === GrpcStatus.UNAUTHENTICATED ||
    code === GrpcStatus.PERMISSION_DENIED
  )
    return new TemporalConnectError(
      settings.address,
      'unauthenticated',
      `the server refused the credentials (${settings.apiKey ? `the ${settings.apiKey}` : 'no API key is set'}): ${grpcDetails(err) ?? firstLine(err)}`,
    );
  const probed = await probeTemporal(settings).catch(() => undefined);
  const found =
    probed ??
    transportErrors(err)
      .map((e) => diagnose(e, settings))
      .find(Boolean);
  if (found)
    return new TemporalConnectError(
      settings.address,
      found.failure,
      found.reason,
    );
  return new TemporalConnectError(settings.address, 'other', firstLine(err));
}

/** Runs `connect`; a failure comes back explained. */
export async function connecting<T>(
  settings: TemporalSettings,
  connect: () => Promise<T>,
): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw await explainConnectFailure(err, settings);
  }
}

/** The settings each connection was made with, for messages that name the server (e.g. a paste-able command). */
const settingsByConnection = new WeakMap<object, TemporalSettings>();

/** The settings `connection` (a client's or the worker's) was made with, if it was made here. */
export const settingsOf = (connection: object): TemporalSettings | undefined =>
  settingsByConnection.get(connection);

export const rememberSettings = (
  connection: object,
  settings: TemporalSettings,
): void => {
  settingsByConnection.set(connection, settings);
};

/** A Temporal client for the CLI, the API, the demo and the tests; `settings` for their messages. */
export async function connectTemporalClient(
  options: ConnectOptions = {},
): Promise<{ client: Client; settings: TemporalSettings }> {
  const settings = resolveTemporalSettings(options);
  const connection = await connecting(settings, () =>
    Connection.connect({
      ...sdkConnectionOptions(settings),
      connectTimeout: 5_000,
    }),
  );
  rememberSettings(connection, settings);
  return {
    client: new Client({ connection, namespace: settings.namespace }),
    settings,
  };
}
