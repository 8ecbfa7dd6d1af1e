/**
 * Reading the webhook's signing secret (notify.secretFile) on the worker, bounded: only a regular
 * file of at most MAX_SECRET_BYTES is read. The type is checked on the open descriptor (fstat), not
 * on the path, so a FIFO, a device such as /dev/zero, or a path swapped after a check is never read
 * (the file is opened non-blocking, so a FIFO cannot hold the activity either).
 *
 * The failure says the same thing whatever went wrong (missing, not permitted, not a regular file, too
 * large): its text reaches the run's result and history, and must not tell a reader which files exist
 * on the worker. The cause itself goes to the worker's log, for the operator.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';

/** An HMAC secret is a few dozen bytes; 4 KiB leaves room for any sane one. */
export const MAX_SECRET_BYTES = 4096;

class NotASecretFile extends Error {}

/** The file's bytes: a regular file of at most MAX_SECRET_BYTES, checked on the open descriptor. */
async function readBounded(path: string): Promise<Buffer> {
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await file.stat();
    if (!st.isFile()) throw new NotASecretFile('not a regular file');
    if (st.size > MAX_SECRET_BYTES)
      throw new NotASecretFile(`larger than ${MAX_SECRET_BYTES} bytes`);
    // One byte more than allowed: a file that grew since the fstat is caught too.
    const buf = Buffer.alloc(MAX_SECRET_BYTES + 1);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_SECRET_BYTES)
      throw new NotASecretFile(`larger than ${MAX_SECRET_BYTES} bytes`);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** Logs the cause for the operator; outside an activity (unit tests) there is no activity logger. */
function logCause(path: string, err: unknown): void {
  const cause =
    err instanceof NotASecretFile
      ? err.message
      : ((err as NodeJS.ErrnoException)?.code ?? String(err));
  try {
    log.warn(`notify.secretFile ${path}: ${cause}`);
  } catch {
    // Not in an activity context.
  }
}

/** The secret, trimmed; fails with CredentialsUnreadable in words that reveal nothing about the file. */
export async function readNotifySecret(path: string): Promise<string> {
  try {
    const secret = (await readBounded(path)).toString('utf8').trim();
    if (!secret) throw new NotASecretFile('empty');
    return secret;
  } catch (err) {
    logCause(path, err);
    throw ApplicationFailure.nonRetryable(
      `notify.secretFile ${path}: not usable as the webhook secret (it must be a readable, non-empty regular file of at most ${MAX_SECRET_BYTES} bytes on the worker; the worker's log says why)`,
      ErrorType.CredentialsUnreadable,
    );
  }
}
