/**
 * Parsing what a node reports over SSH. Pure, so it is unit tested without a node.
 */

/** `etcd Version: 3.4.23` -> `3.4.23`. */
export function parseEtcdVersion(output: string): string | undefined {
  return /etcd Version:\s*v?([0-9]+\.[0-9]+\.[0-9]+)/.exec(output)?.[1];
}

/** Major.minor of a version, the unit in which etcd members must agree. */
export const minorOf = (version: string): string =>
  version.split('.').slice(0, 2).join('.');

export interface ListeningSocket {
  address: string;
  port: number;
}

function hexToIPv4(hex: string): string {
  // /proc/net/tcp prints the address in host byte order (little-endian on x86 and arm64).
  const n = parseInt(hex, 16);
  return [
    n & 0xff,
    (n >>> 8) & 0xff,
    (n >>> 16) & 0xff,
    (n >>> 24) & 0xff,
  ].join('.');
}

function hexToIPv6(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = hex.slice(i, i + 8).toLowerCase(); // the kernel prints uppercase hex
    const le = (w.match(/../g) ?? []).reverse().join('');
    words.push(le.slice(0, 4), le.slice(4, 8));
  }
  const full = words.map((w) => w.replace(/^0+(?=.)/, '')).join(':');
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (/^0:0:0:0:0:ffff:/.test(full))
    return `::ffff:${hexToIPv4(hex.slice(24))}`;
  return full;
}

/** A listening socket with its inode, which ties it to the process holding it (/proc/<pid>/fd). */
export interface ListeningInode extends ListeningSocket {
  inode: string;
}

/**
 * Listening TCP sockets from the text of /proc/net/tcp and /proc/net/tcp6 (state 0A = LISTEN), with
 * their inodes: the one read of those files, for the port checks and for finding the kube-apiserver.
 */
export function parseListeningInodes(text: string): ListeningInode[] {
  const out: ListeningInode[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d+:$/.test(f[0]) || f[3] !== '0A') continue;
    const [addr, port] = f[1].split(':');
    out.push({
      address: addr.length === 8 ? hexToIPv4(addr) : hexToIPv6(addr),
      port: parseInt(port, 16),
      inode: f[9] ?? '',
    });
  }
  return out;
}

/** Listening TCP sockets from the text of /proc/net/tcp and /proc/net/tcp6 (state 0A = LISTEN). */
export function parseProcNetTcp(text: string): ListeningSocket[] {
  return parseListeningInodes(text).map(({ address, port }) => ({
    address,
    port,
  }));
}

/** Sockets that would keep etcd from binding host:port (same address, or a wildcard). */
export function conflictingListeners(
  sockets: ListeningSocket[],
  host: string,
  port: number,
): ListeningSocket[] {
  return sockets.filter(
    (s) =>
      s.port === port &&
      (s.address === host ||
        s.address === '0.0.0.0' ||
        s.address === '::' ||
        s.address === `::ffff:${host}`),
  );
}

export type StaleKind = 'none' | 'wal-and-snap' | 'snap-only' | 'unknown';

/**
 * Classifies a data dir's `member/` listing. Any `member/` on a host that is not yet a member is
 * stale: another cluster's state, an earlier removed attempt, or a node started with `new` all look
 * alike on disk, and each makes etcd fail (docs/etcd-behaviour.md). `snap-only` is what a failed
 * first start leaves.
 */
export function classifyMemberDir(entries: string[] | undefined): StaleKind {
  if (!entries) return 'none';
  if (entries.includes('wal') && entries.includes('snap'))
    return 'wal-and-snap';
  if (entries.includes('snap')) return 'snap-only';
  return 'unknown';
}

/** Splits `--- name` sectioned output of a node probe. */
export function splitSections(output: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = '';
  for (const line of output.split('\n')) {
    const m = /^--- ([a-z-]+)$/.exec(line);
    if (m) {
      current = m[1];
      out[current] = '';
    } else if (current) out[current] += `${line}\n`;
  }
  return out;
}

/**
 * etcd 3.5+ logs JSON (zap): `{"level":"warn",...,"msg":"failed to verify flags","error":"invalid
 * value \"lots\" for ETCD_SNAPSHOT_COUNT: parse error"}`. An operator reads `warn failed to verify
 * flags: invalid value "lots" for ETCD_SNAPSHOT_COUNT: parse error`; other lines pass unchanged.
 */
export function readableLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (typeof entry.msg !== 'string') return line;
    const error = typeof entry.error === 'string' ? `: ${entry.error}` : '';
    return `${typeof entry.level === 'string' ? `${entry.level} ` : ''}${entry.msg}${error}`;
  } catch {
    return line;
  }
}
