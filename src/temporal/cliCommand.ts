/**
 * A `temporal` (Temporal CLI) command an operator can paste: the same server, namespace and TLS
 * files as the product's own connection, as flags (paths only). An API key is never written out: from
 * a file it is read into the CLI's environment by the shell, from a profile the CLI reads that
 * profile, from TEMPORAL_API_KEY the CLI reads the variable itself.
 */
import type { TemporalSettings } from './settings';

/** What a paste-able command needs of the settings. */
export type CommandTarget = Pick<
  TemporalSettings,
  'address' | 'tls' | 'apiKey' | 'profile'
>;

/** `text` as one shell word. */
export const shellWord = (text: string): string =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

/** The connection flags for `settings`: --address always, the TLS files when TLS is on. */
export function temporalCliFlags(settings: CommandTarget): string[] {
  const flags = ['--address', settings.address];
  const { tls, apiKey } = settings;
  if (tls) {
    flags.push('--tls');
    if (tls.clientCertPath) flags.push('--tls-cert-path', tls.clientCertPath);
    if (tls.clientKeyPath) flags.push('--tls-key-path', tls.clientKeyPath);
    if (tls.serverCaCertPath) flags.push('--tls-ca-path', tls.serverCaCertPath);
    if (tls.serverName) flags.push('--tls-server-name', tls.serverName);
  }
  if (apiKey && settings.profile && apiKey.source.includes(' of profile '))
    flags.push(
      '--config-file',
      settings.profile.file,
      '--profile',
      settings.profile.name,
    );
  return flags;
}

/** `temporal <args> <connection flags>`, with the API key file read into its environment if there is one. */
export function temporalCommand(
  settings: CommandTarget,
  args: string[],
): string {
  const keyFile = settings.apiKey?.source.match(/^TEMPORAL_API_KEY_FILE (.*)$/);
  const prefix = keyFile
    ? `TEMPORAL_API_KEY="$(cat ${shellWord(keyFile[1])})" `
    : '';
  return `${prefix}temporal ${[...args, ...temporalCliFlags(settings)].map(shellWord).join(' ')}`;
}
