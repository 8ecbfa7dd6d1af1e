/**
 * Runs one command on a node over SSH (ssh2), on the node's pooled connection (sshPool.ts). The
 * private key and known_hosts are read from files on the worker for every command; neither their
 * contents nor any secret appear in results or errors. A host whose key is unknown or differs from
 * known_hosts is refused (non-retryable), on a new connection and on a reused one alike.
 */
import { Socket } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { Client, type ClientChannel, utils } from 'ssh2';
import { ErrorType } from '../../domain/errors';
import { type ReadFile, readCredential } from '../credentials';
import {
  checkHostKey,
  hostKeyName,
  hostKeyTypes,
  type KnownHostEntry,
  parseKnownHosts,
  presentedKeyType,
} from './knownHosts';
import { type PooledConnection, SshPool } from './sshPool';

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
  run(
    target: SshTarget,
    command: string,
    options?: { input?: string; timeoutMs?: number },
  ): Promise<CommandResult>;
  /** Closes the pooled connections (worker shutdown). */
  close?(): void;
}

/** What is kept of each of stdout and stderr: a node's answer is read into memory. */
export const OUTPUT_LIMIT = 1024 * 1024;
/** A channel that does not open within this is on a dead connection: reconnect. */
const CHANNEL_OPEN_MS = 5_000;

const sshFailed = (where: string, what: string) =>
  ApplicationFailure.retryable(`ssh ${where}: ${what}`, ErrorType.SshFailed);

/** A failure of the pooled connection itself, before the command ran: safe to retry on a new one. */
class StaleConnection extends Error {}

export function createSshRunner(deps: { readFile?: ReadFile } = {}): SshRunner {
  const pool = new SshPool();
  return {
    async run(target, command, options = {}) {
      const [privateKey, knownHosts] = await Promise.all([
        readCredential(
          'ssh.privateKeyFile',
          target.privateKeyFile,
          deps.readFile,
        ),
        readCredential(
          'ssh.knownHostsFile',
          target.knownHostsFile,
          deps.readFile,
        ),
      ]);
      checkPrivateKey(target.privateKeyFile, privateKey);
      const entries = parseKnownHosts(knownHosts.toString('utf8'));
      const timeoutMs = options.timeoutMs ?? 60_000;
      const where = `${target.user}@${hostKeyName(target.host, target.port)}`;
      const key = SshPool.key(`${where}|${target.knownHostsFile}`, privateKey);
      const open = () =>
        openConnection(target, privateKey, entries, where, timeoutMs);
      for (let attempt = 1; ; attempt++) {
        const conn = await pool.acquire(key, open);
        try {
          // known_hosts may have changed since the connection was opened: judge its key again.
          if (
            checkHostKey(entries, target.host, target.port, conn.hostKey) !==
            'match'
          )
            throw new StaleConnection('host key no longer accepted');
          return await conn.withChannel(() =>
            execute(conn, command, options.input, timeoutMs, where),
          );
        } catch (err) {
          if (
            !(err instanceof StaleConnection) &&
            !(
              err instanceof ApplicationFailure &&
              err.type === ErrorType.SshFailed
            )
          )
            throw err;
          pool.discard(key);
          if (!(err instanceof StaleConnection) || attempt > 1)
            throw err instanceof StaleConnection
              ? sshFailed(where, err.message)
              : err;
        } finally {
          pool.release(key);
        }
      }
    },
    close: () => pool.closeAll(),
  };
}

/** A key ssh2 cannot parse is an operator's fix on the worker: say which file, never what is in it. */
function checkPrivateKey(file: string, privateKey: Buffer): void {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    throw ApplicationFailure.nonRetryable(
      `ssh.privateKeyFile ${file} on the worker is not a usable private key: ${parsed.message}`,
      ErrorType.CredentialsUnreadable,
    );
  }
}

function hostKeyRefusal(
  target: SshTarget,
  entries: KnownHostEntry[],
  where: string,
  verdict: string,
  presented: Buffer,
): ApplicationFailure {
  if (verdict === 'unknown') {
    return ApplicationFailure.nonRetryable(
      `ssh ${where}: host key is not in ${target.knownHostsFile}; add the node's key there first (ssh-keyscan, checked out of band)`,
      ErrorType.HostKeyRejected,
    );
  }
  const offered = presentedKeyType(presented);
  const known = hostKeyTypes(entries, target.host, target.port);
  const typeNote =
    verdict === 'mismatch' && !known.includes(offered)
      ? `; ${target.knownHostsFile} has a ${known.join('/')} key for it, the node offered ${offered}`
      : '';
  return ApplicationFailure.nonRetryable(
    `ssh ${where}: host key does not match ${target.knownHostsFile} (${verdict}${typeNote}); refusing to connect, the host may have been replaced or intercepted`,
    ErrorType.HostKeyRejected,
  );
}

/** A new connection, ready, with a host key known_hosts accepts. */
function openConnection(
  target: SshTarget,
  privateKey: Buffer,
  entries: KnownHostEntry[],
  where: string,
  timeoutMs: number,
) {
  return new Promise<{ client: Client; socket: Socket; hostKey: Buffer }>(
    (resolve, reject) => {
      const client = new Client();
      // Our own socket, so an idle pooled connection can be unref'd (it must not keep a process alive)
      // and a silent drop is noticed by TCP keepalive rather than by a timer of ssh2's.
      const socket = new Socket();
      socket.setKeepAlive(true, 5_000);
      socket.connect({ host: target.host, port: target.port });
      let verdict: string | undefined;
      let presented: Buffer = Buffer.alloc(0);
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(err);
      };
      client.on('ready', () => {
        settled = true;
        resolve({ client, socket, hostKey: presented });
      });
      client.on('error', (err: Error & { level?: string }) => {
        if (verdict && verdict !== 'match')
          return fail(
            hostKeyRefusal(target, entries, where, verdict, presented),
          );
        // The node refused the key: a retry would be refused the same way.
        if (err.level === 'client-authentication')
          return fail(
            ApplicationFailure.nonRetryable(
              `ssh ${where}: authentication with ${target.privateKeyFile} refused`,
              ErrorType.SshAuthRejected,
            ),
          );
        fail(sshFailed(where, err.message));
      });
      client.connect({
        sock: socket,
        username: target.user,
        privateKey,
        readyTimeout: Math.min(timeoutMs, 20_000),
        hostVerifier: (key: Buffer) => {
          presented = key;
          verdict = checkHostKey(entries, target.host, target.port, key);
          return verdict === 'match';
        },
      });
    },
  );
}

/** Runs `command` on an open connection; a channel that cannot be opened means the connection is stale. */
function execute(
  conn: PooledConnection,
  command: string,
  input: string | undefined,
  timeoutMs: number,
  where: string,
): Promise<CommandResult> {
  return new Promise<CommandResult>((resolve, reject) => {
    let settled = false;
    let channel: ClientChannel | undefined;
    const finish = (err: Error | null, result?: CommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(opening);
      clearTimeout(timer);
      if (err || !result) {
        channel?.close();
        reject(err ?? new Error(`${where}: no result`));
      } else resolve(result);
    };
    const opening = setTimeout(
      () =>
        finish(new StaleConnection(`no channel within ${CHANNEL_OPEN_MS} ms`)),
      CHANNEL_OPEN_MS,
    );
    const timer = setTimeout(
      () => finish(sshFailed(where, `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      conn.client.exec(command, (err, stream) => {
        clearTimeout(opening);
        if (err)
          return finish(new StaleConnection(`exec failed: ${err.message}`));
        channel = stream;
        const out = boundedSink();
        const errOut = boundedSink();
        let code: number | null = null;
        stream.on('data', out.add);
        stream.stderr.on('data', errOut.add);
        stream.on('exit', (c: number | null, signal?: string) => {
          code = c ?? (signal ? 128 : 255);
        });
        stream.on('close', () => {
          if (code === null)
            return finish(
              sshFailed(where, 'connection closed before the command finished'),
            );
          finish(null, { code, stdout: out.text(), stderr: errOut.text() });
        });
        if (input !== undefined) stream.end(input);
        else stream.end();
      });
    } catch (err) {
      finish(new StaleConnection(`exec failed: ${(err as Error).message}`)); // ssh2 throws when not connected
    }
  });
}

/** Keeps the first OUTPUT_LIMIT bytes of a stream and says, at the end, how much was cut. */
export function boundedSink() {
  const kept: Buffer[] = [];
  let size = 0;
  let dropped = 0;
  return {
    add: (chunk: Buffer) => {
      const room = OUTPUT_LIMIT - size;
      if (room > 0)
        kept.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
      size += Math.min(Math.max(room, 0), chunk.length);
      dropped += Math.max(0, chunk.length - Math.max(room, 0));
    },
    text: () =>
      Buffer.concat(kept).toString('utf8') +
      (dropped > 0
        ? `\n[etcd-scaleout: output cut after ${OUTPUT_LIMIT} bytes, ${dropped} more not read]`
        : ''),
  };
}
