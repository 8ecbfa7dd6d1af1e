/**
 * The files the connection settings name (certificates, keys, an API key, temporal.toml), read with
 * errors in words that name the setting and the path, never the file's contents.
 */
import { readFileSync } from 'node:fs';
import { TemporalSettingsError } from './errors';

/** What an fs error code means, for an operator. */
export function fileProblem(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (the process cannot read it)';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return code ?? 'unreadable';
  }
}

/** The file at `path`, named by `setting` in the error when it cannot be read. */
export function readSettingFile(setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TemporalSettingsError(
      setting,
      `cannot read ${path} (${setting}): ${fileProblem(err)}`,
    );
  }
}

const PEM_LABEL = {
  certificate: /-----BEGIN CERTIFICATE-----/,
  key: /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
};

/**
 * The PEM file at `path`, checked to hold what `kind` says (the SDK's own message for a wrong file
 * is a TLS library's, far from the setting that named it).
 */
export function readPemFile(
  setting: string,
  path: string,
  kind: keyof typeof PEM_LABEL,
): Buffer {
  const data = readSettingFile(setting, path);
  if (!PEM_LABEL[kind].test(data.toString('latin1')))
    throw new TemporalSettingsError(
      setting,
      `${path} (${setting}) holds no PEM ${kind === 'key' ? 'private key' : 'certificate'} (a "-----BEGIN ${kind === 'key' ? 'PRIVATE KEY' : 'CERTIFICATE'}-----" block)`,
    );
  return data;
}
