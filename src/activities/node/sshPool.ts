/**
 * One SSH connection per node, kept open and reused by every activity of a run on this worker (a
 * connection costs 250-700 ms; a command on an open one a few ms). A connection is keyed by who
 * connects where with which key; it is dropped when the node closes it, when it has been idle for
 * IDLE_MS, or when the known_hosts file no longer accepts the key it was opened with, so host-key
 * checking stays exactly as strict as a fresh connection per command.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Client } from 'ssh2';

/** Long enough to span a run's steps, short enough not to hold sessions on nodes between runs. */
const IDLE_MS = 60_000;
/** OpenSSH's default MaxSessions is 10: stay below it on one connection. */
const MAX_CHANNELS = 8;

export interface PooledConnection {
  client: Client;
  socket: Socket;
  /** The host key the node presented (ssh wire format), checked again on each reuse. */
  hostKey: Buffer;
  /** Runs `fn` with a channel slot on this connection; waits while MAX_CHANNELS are open. */
  withChannel<T>(fn: () => Promise<T>): Promise<T>;
}

type Opener = () => Promise<{
  client: Client;
  socket: Socket;
  hostKey: Buffer;
}>;

interface Slot {
  connection: Promise<PooledConnection>;
  idle?: NodeJS.Timeout;
  users: number;
}

export class SshPool {
  private readonly slots = new Map<string, Slot>();

  /** The pool key: target and key file contents (a replaced key gets a new connection). */
  static key(where: string, privateKey: Buffer): string {
    return `${where}#${createHash('sha256').update(privateKey).digest('hex').slice(0, 16)}`;
  }

  /** The open connection for `key`, or a new one from `open`. */
  async acquire(key: string, open: Opener): Promise<PooledConnection> {
    let slot = this.slots.get(key);
    if (!slot) {
      const fresh: Slot = { users: 0, connection: this.connect(key, open) };
      slot = fresh;
      this.slots.set(key, fresh);
      fresh.connection.catch(() => this.forget(key, fresh));
    }
    slot.users++;
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = undefined;
    try {
      const conn = await slot.connection;
      conn.socket.ref();
      return conn;
    } catch (err) {
      slot.users--;
      throw err;
    }
  }

  /** Ends one use; the last user leaves the connection open for IDLE_MS. */
  release(key: string): void {
    const slot = this.slots.get(key);
    if (!slot || --slot.users > 0) return;
    slot.idle = setTimeout(() => this.discard(key), IDLE_MS);
    slot.idle.unref();
    slot.connection.then(
      (c) => slot.users === 0 && c.socket.unref(),
      () => undefined,
    );
  }

  /** Closes and forgets the connection (dropped, stale, or refused on reuse). */
  discard(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    this.forget(key, slot);
    slot.connection.then(
      (c) => c.client.end(),
      () => undefined,
    );
  }

  /** Closes every connection (worker shutdown, tests). */
  closeAll(): void {
    for (const key of [...this.slots.keys()]) this.discard(key);
  }

  get size(): number {
    return this.slots.size;
  }

  private forget(key: string, slot: Slot): void {
    if (this.slots.get(key) !== slot) return;
    if (slot.idle) clearTimeout(slot.idle);
    this.slots.delete(key);
  }

  private async connect(key: string, open: Opener): Promise<PooledConnection> {
    const { client, socket, hostKey } = await open();
    const slot = this.slots.get(key);
    const gone = () => {
      if (slot) this.forget(key, slot);
    };
    client.on('close', gone);
    client.on('end', gone);
    client.on('error', gone);
    return {
      client,
      socket,
      hostKey,
      withChannel: channelLimiter(MAX_CHANNELS),
    };
  }
}

/** A counting semaphore: at most `max` calls of `fn` at once. */
export function channelLimiter(max: number) {
  let open = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    // A finishing call hands its slot straight to the next waiter, so no newcomer can overtake it.
    if (open >= max) await new Promise<void>((r) => waiting.push(r));
    else open++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else open--;
    }
  };
}
