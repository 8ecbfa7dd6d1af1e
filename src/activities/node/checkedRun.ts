/**
 * A remote command that must succeed, for the certificate and env-source adapters.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import type { SshRunner, SshTarget } from './ssh';

/** Runs `command` on `target`; a non-zero exit is transient (retried) and names the node and step. */
export async function runChecked(
  ssh: SshRunner,
  target: SshTarget,
  command: string,
  what: string,
  input?: string,
) {
  const r = await ssh.run(target, command, { input });
  if (r.code !== 0) {
    const last = (r.stderr || r.stdout).trim().split('\n').slice(-4).join('\n');
    throw ApplicationFailure.retryable(
      `${what} on ${target.host} exited ${r.code}: ${last}`,
      ErrorType.RemoteCommandFailed,
    );
  }
  return r;
}
