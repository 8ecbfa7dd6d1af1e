/**
 * Runs one command on a node over SSH (ssh2). The private key and known_hosts are read from files on
 * the worker at connect time; neither their contents nor any secret appear in results or errors.
 * A host whose key is unknown or differs from known_hosts is refused (non-retryable).
 */
import { Client } from 'ssh2';
import { ApplicationFailure } from '@temporalio/common';
import { checkHostKey, hostKeyName, parseKnownHosts, type HostKeyVerdict } from './knownHosts';
import { ErrorType } from '../../domain/errors';
import { readCredential, type ReadFile } from '../credentials';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  privateKeyFile: string;
  knownHostsFile: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SshRunner {
  run(target: SshTarget, command: string, options?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
}

export function createSshRunner(deps: { readFile?: ReadFile } = {}): SshRunner {
  return {
    async run(target, command, options = {}) {
      const [privateKey, knownHosts] = await Promise.all([
        readCredential('ssh.privateKeyFile', target.privateKeyFile, deps.readFile),
        readCredential('ssh.knownHostsFile', target.knownHostsFile, deps.readFile),
      ]);
      const entries = parseKnownHosts(knownHosts.toString('utf8'));
      const timeoutMs = options.timeoutMs ?? 60_000;
      const where = `${target.user}@${hostKeyName(target.host, target.port)}`;
      let verdict: HostKeyVerdict | undefined;

      return await new Promise<CommandResult>((resolve, reject) => {
        const conn = new Client();
        let settled = false;
        const finish = (err: unknown, result?: CommandResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          conn.end();
          if (err) reject(err);
          else resolve(result!);
        };
        const timer = setTimeout(() => finish(ApplicationFailure.retryable(`ssh ${where}: no answer within ${timeoutMs} ms`, ErrorType.SshFailed)), timeoutMs);
        conn.on('ready', () => {
          conn.exec(command, (err, stream) => {
            if (err) return finish(ApplicationFailure.retryable(`ssh ${where}: exec failed: ${err.message}`, ErrorType.SshFailed));
            const out: Buffer[] = [];
            const errOut: Buffer[] = [];
            let code: number | null = null;
            stream.on('data', (d: Buffer) => out.push(d));
            stream.stderr.on('data', (d: Buffer) => errOut.push(d));
            stream.on('exit', (c: number | null, signal?: string) => {
              code = c ?? (signal ? 128 : 255);
            });
            stream.on('close', () => {
              if (code === null) return finish(ApplicationFailure.retryable(`ssh ${where}: connection closed before the command finished`, ErrorType.SshFailed));
              finish(null, { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') });
            });
            if (options.input !== undefined) stream.end(options.input);
            else stream.end();
          });
        });
        conn.on('error', (err: Error & { level?: string }) => {
          if (verdict && verdict !== 'match') {
            return finish(
              ApplicationFailure.nonRetryable(
                verdict === 'unknown'
                  ? `ssh ${where}: host key is not in ${target.knownHostsFile}; add the node's key there first (ssh-keyscan, checked out of band)`
                  : `ssh ${where}: host key does not match ${target.knownHostsFile} (${verdict}); refusing to connect, the host may have been replaced or intercepted`,
                ErrorType.HostKeyRejected,
              ),
            );
          }
          if (err.level === 'client-authentication') {
            // The node refused the key: a retry would be refused the same way.
            return finish(ApplicationFailure.nonRetryable(`ssh ${where}: authentication with ${target.privateKeyFile} refused`, ErrorType.SshAuthRejected));
          }
          finish(ApplicationFailure.retryable(`ssh ${where}: ${err.message}`, ErrorType.SshFailed));
        });
        conn.connect({
          host: target.host,
          port: target.port,
          username: target.user,
          privateKey,
          readyTimeout: Math.min(timeoutMs, 20_000),
          hostVerifier: (key: Buffer) => {
            verdict = checkHostKey(entries, target.host, target.port, key);
            return verdict === 'match';
          },
        });
      });
    },
  };
}
