/**
 * known_hosts matching for ssh2's hostVerifier: plain and hashed (`|1|salt|hmac`) host patterns,
 * `[host]:port` for non-default ports, `@revoked` markers. Pure.
 */
import { createHmac } from 'node:crypto';

export interface KnownHostEntry {
  patterns: string[];
  keyType: string;
  key: Buffer;
  revoked: boolean;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0].startsWith('@')) {
      revoked = fields[0] === '@revoked';
      if (fields[0] !== '@revoked') continue; // @cert-authority is not supported: such hosts are not trusted
      fields.shift();
    }
    if (fields.length < 3) continue;
    entries.push({
      patterns: fields[0].split(','),
      keyType: fields[1],
      key: Buffer.from(fields[2], 'base64'),
      revoked,
    });
  }
  return entries;
}

/** The name ssh looks up for host:port. */
export const hostKeyName = (host: string, port: number): string =>
  port === 22 ? host : `[${host}]:${port}`;

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return (
      createHmac('sha1', Buffer.from(salt, 'base64'))
        .update(name)
        .digest('base64') === hash
    );
  }
  if (pattern.startsWith('!')) return false;
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    'i',
  );
  return re.test(name);
}

export type HostKeyVerdict = 'match' | 'unknown' | 'mismatch' | 'revoked';

/** Compares a presented key (ssh wire format) with known_hosts entries for host:port. */
export function checkHostKey(
  entries: KnownHostEntry[],
  host: string,
  port: number,
  presented: Buffer,
): HostKeyVerdict {
  const name = hostKeyName(host, port);
  const forHost = entries.filter(
    (e) =>
      e.patterns.some((p) => patternMatches(p, name)) &&
      !e.patterns.some(
        (p) => p.startsWith('!') && patternMatches(p.slice(1), name),
      ),
  );
  if (forHost.some((e) => e.revoked && e.key.equals(presented)))
    return 'revoked';
  if (forHost.some((e) => !e.revoked && e.key.equals(presented)))
    return 'match';
  return forHost.some((e) => !e.revoked) ? 'mismatch' : 'unknown';
}

/** The key types known_hosts holds for host:port (e.g. `ssh-ed25519`), revoked entries aside. */
export function hostKeyTypes(
  entries: KnownHostEntry[],
  host: string,
  port: number,
): string[] {
  const name = hostKeyName(host, port);
  const types = entries
    .filter(
      (e) => !e.revoked && e.patterns.some((p) => patternMatches(p, name)),
    )
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** The key type a presented host key (ssh wire format: a length-prefixed type name first) names. */
export function presentedKeyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return length > 0 && length <= 64 && key.length >= 4 + length
    ? key.subarray(4, 4 + length).toString('latin1')
    : 'unknown';
}
