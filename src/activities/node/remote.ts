/**
 * Running commands on a node for the node activities: `run` returns any exit, `mustRun` fails on a
 * non-zero one with the command's last lines. Every command is built with the quoting helper `sh`.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import { readableLogLine } from './nodeFacts';
import type { CommandResult, SshRunner, SshTarget } from './ssh';

/** The last lines of a command's output, each cut short: enough for an operator, not a log dump. */
export const tail = (text: string, lines = 15): string =>
  text
    .trim()
    .split('\n')
    .slice(-lines)
    .map(readableLogLine)
    .map((l) => (l.length > 240 ? `${l.slice(0, 240)}...` : l))
    .join('\n');

export interface Remote {
  run(
    target: SshTarget,
    command: string,
    input?: string,
    /** Longer than the SSH runner's default (60 s) for a command that waits on purpose. */
    timeoutMs?: number,
  ): Promise<CommandResult>;
  /** `what` names the command in the failure, e.g. `save env file`. */
  mustRun(
    target: SshTarget,
    command: string,
    what: string,
    input?: string,
  ): Promise<CommandResult>;
}

export function remote(ssh: SshRunner): Remote {
  const run = (
    target: SshTarget,
    command: string,
    input?: string,
    timeoutMs?: number,
  ) => ssh.run(target, command, { input, timeoutMs });
  return {
    run,
    async mustRun(target, command, what, input) {
      const r = await run(target, command, input);
      if (r.code !== 0)
        throw ApplicationFailure.retryable(
          `${what} on ${target.host} exited ${r.code}: ${tail(r.stderr || r.stdout, 8)}`,
          ErrorType.RemoteCommandFailed,
        );
      return r;
    },
  };
}
