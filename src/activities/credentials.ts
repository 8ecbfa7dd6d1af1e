/**
 * Reading a credential file on the worker: a TLS key or certificate, the SSH private key, known_hosts,
 * the webhook secret. Only paths travel in the request; the contents are read here, when used, and
 * never appear in a result or an error. A file that cannot be read is an operator's fix on the
 * worker's host (mount, permissions), not something a retry or a rollback step can cure: it fails at
 * once as `CredentialsUnreadable`, naming the request field, the path and the errno.
 */
import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';

export type ReadFile = (path: string) => Promise<Buffer>;

function credentialsUnreadable(
  field: string,
  path: string,
  err: unknown,
): ApplicationFailure {
  const code =
    (err as NodeJS.ErrnoException)?.code ??
    (err instanceof Error ? err.message : String(err));
  return ApplicationFailure.nonRetryable(
    `cannot read ${field} ${path} on the worker: ${code}`,
    ErrorType.CredentialsUnreadable,
  );
}

/** Reads `path` (named by the request's `field`), or fails with CredentialsUnreadable. */
export async function readCredential(
  field: string,
  path: string,
  read: ReadFile = (p) => readFile(p),
): Promise<Buffer> {
  try {
    return await read(path);
  } catch (err) {
    throw credentialsUnreadable(field, path, err);
  }
}
