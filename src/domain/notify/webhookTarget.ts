/**
 * Where a webhook may be sent. The worker sits inside the operator's network, next to etcd, Temporal
 * and cloud metadata services: a URL that names the worker's own loopback, a link-local address
 * (169.254.169.254 hands out cloud credentials), a private or shared (CGNAT) range, or the
 * unspecified address would let whoever writes the URL make the worker POST there and read the
 * status. Such targets are refused unless the profile says `notify.allowPrivateTargets: true`.
 *
 * Pure code (used by the request schema in the workflow, and by the notify activity on the
 * addresses a name resolves to at send time): addresses are parsed here, without node:net.
 */

/** Why `address` (IPv4, or IPv6 with or without brackets) is not a public one, or undefined. */
export function nonPublicAddressKind(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  const v4 = ipv4Octets(bare);
  if (v4) return ipv4Kind(v4);
  const v6 = ipv6Words(bare);
  if (v6) return ipv6Kind(v6);
  return undefined;
}

/** Why a URL's hostname, as the URL parser normalised it, is not a public target; names are judged once resolved. */
export function nonPublicHostKind(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return nonPublicAddressKind(host);
}

/** The field error for a refused target. */
export const nonPublicTargetProblem = (host: string, kind: string): string =>
  `is on a ${kind} address (${host}): the worker does not send to its own or internal networks unless the profile sets notify.allowPrivateTargets: true`;

function ipv4Octets(s: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

function ipv4Kind([a, b]: number[]): string | undefined {
  if (a === 0) return 'this-network (0.0.0.0/8)';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168))
    return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'shared (CGNAT, 100.64.0.0/10)';
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (`::` and a trailing IPv4 part allowed), or undefined. */
function ipv6Words(s: string): number[] | undefined {
  if (!s.includes(':') || !/^[0-9a-f:.]+$/i.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const part = (text: string): number[] | undefined => {
    if (text === '') return [];
    const words: number[] = [];
    const groups = text.split(':');
    for (const [i, g] of groups.entries()) {
      const v4 = i === groups.length - 1 ? ipv4Octets(g) : undefined;
      if (v4) words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      else if (/^[0-9a-f]{1,4}$/i.test(g)) words.push(Number.parseInt(g, 16));
      else return undefined;
    }
    return words;
  };
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const zeros = 8 - head.length - tail.length;
  return zeros >= 1 ? [...head, ...Array(zeros).fill(0), ...tail] : undefined;
}

function ipv6Kind(w: number[]): string | undefined {
  const zeroUpTo = (n: number) => w.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && w[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses reach the IPv4 address.
  if (zeroUpTo(5) && (w[5] === 0xffff || w[5] === 0))
    return ipv4Kind([w[6] >> 8, w[6] & 0xff, w[7] >> 8, w[7] & 0xff]);
  if ((w[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((w[0] & 0xfe00) === 0xfc00) return 'private (unique local, fc00::/7)';
  return undefined;
}
