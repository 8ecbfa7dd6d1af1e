/**
 * Where new members may be: IP addresses and networks (CIDR), and the addresses no new member is on
 * unless the operator says so.
 *
 * A new member's host is where the worker connects over SSH as root, writes etcd's env file and
 * starts etcd, and what the CA signs a member certificate for: a requester who names a host decides
 * where the cluster's data goes. The worker's own loopback (its sshd, a metadata proxy), the
 * unspecified address and link-local addresses (169.254.169.254 is the cloud's metadata service) are
 * never a new member's unless a network the operator lists lies inside them (the lab runs on
 * 127.0.B.0/24 and lists exactly that).
 *
 * Pure, and written for the workflow sandbox: addresses are parsed here (BigInt), not by node:net.
 */

export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

export interface Network {
  family: 4 | 6;
  base: bigint;
  bits: number;
}

const WIDTH = { 4: 32, 6: 128 } as const;

function ipv4Value(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = BigInt(0);
  for (const p of parts) {
    if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(p)) return undefined;
    value = (value << BigInt(8)) | BigInt(Number(p));
  }
  return value;
}

function ipv6Value(text: string): bigint | undefined {
  let s = text.toLowerCase();
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const tail = ipv4Value(v4[2]);
    if (tail === undefined) return undefined;
    s = `${v4[1]}${(tail >> BigInt(16)).toString(16)}:${(tail & BigInt(0xffff)).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  let value = BigInt(0);
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    value = (value << BigInt(16)) | BigInt(Number.parseInt(g, 16));
  }
  return value;
}

/**
 * The IP address a host or URL host names, or undefined for a name. Numeric forms a resolver or the
 * URL parser would read as IPv4 (`127.1`, `0x7f000001`, `2130706433`) count as the address they are.
 */
export function ipAddressOf(host: string): IpAddress | undefined {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare.includes(':')) {
    const value = ipv6Value(bare);
    if (value === undefined) return undefined;
    // ::ffff:a.b.c.d reaches a.b.c.d: held to the IPv4 rules.
    if (value >> BigInt(32) === BigInt(0xffff))
      return { family: 4, value: value & BigInt(0xffffffff) };
    return { family: 6, value };
  }
  let canonical = bare;
  try {
    canonical = new URL(`http://${bare}/`).hostname;
  } catch {
    return undefined;
  }
  const value = ipv4Value(canonical);
  return value === undefined ? undefined : { family: 4, value };
}

export const formatIp = (ip: IpAddress): string => {
  if (ip.family === 4)
    return [24, 16, 8, 0]
      .map((s) => String((ip.value >> BigInt(s)) & BigInt(255)))
      .join('.');
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((ip.value >> BigInt(112 - 16 * i)) & BigInt(0xffff)).toString(16),
  );
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
};

export type NetworkParse =
  | { ok: true; network: Network }
  | { ok: false; problem: string };

/** "10.3.0.0/24" or "fd00:3::/64": the network, or why it is not one. */
export function parseNetwork(text: string): NetworkParse {
  const example = 'like "10.3.0.0/24" or "fd00:3::/64"';
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return { ok: false, problem: `must be a network ${example}` };
  const [, address, prefix] = m;
  const family = address.includes(':') ? 6 : 4;
  const value = family === 6 ? ipv6Value(address) : ipv4Value(address);
  const bits = Number(prefix);
  if (value === undefined)
    return {
      ok: false,
      problem: `has no IP address before "/" (${JSON.stringify(address)}): must be a network ${example}`,
    };
  if (bits > WIDTH[family])
    return {
      ok: false,
      problem: `has a prefix /${bits} longer than an IPv${family} address (/${WIDTH[family]})`,
    };
  const base = maskOf({ family, value }, bits);
  if (base !== value)
    return {
      ok: false,
      problem: `has host bits set: the network is ${formatIp({ family, value: base })}/${bits}`,
    };
  return { ok: true, network: { family, base, bits } };
}

function maskOf(ip: IpAddress, bits: number): bigint {
  const hostBits = BigInt(WIDTH[ip.family] - bits);
  return (ip.value >> hostBits) << hostBits;
}

export const contains = (n: Network, ip: IpAddress): boolean =>
  n.family === ip.family && maskOf(ip, n.bits) === n.base;

/** Whether `inner` lies wholly inside `outer`. */
const within = (inner: Network, outer: Network): boolean =>
  inner.bits >= outer.bits &&
  contains(outer, { family: inner.family, value: inner.base });

const network = (text: string): Network => {
  const n = parseNetwork(text);
  if (!n.ok) throw new Error(`${text}: ${n.problem}`);
  return n.network;
};

/** Addresses that are never a new member's unless a listed network lies inside them. */
const RESERVED: Array<{ network: Network; what: string }> = [
  { network: network('127.0.0.0/8'), what: 'a loopback address' },
  { network: network('::1/128'), what: 'a loopback address' },
  {
    network: network('0.0.0.0/8'),
    what: 'the unspecified address ("this host")',
  },
  { network: network('::/128'), what: 'the unspecified address' },
  {
    network: network('169.254.0.0/16'),
    what: 'a link-local address (the cloud metadata service is 169.254.169.254)',
  },
  { network: network('fe80::/10'), what: 'a link-local address' },
];

/** Names that are the loopback whatever the resolver says (RFC 6761, Debian's /etc/hosts). */
const LOOPBACK_NAME = /^(localhost|ip6-localhost|ip6-loopback)$|\.localhost$/i;

/**
 * Why a new member may not be on `host` (a host, a URL's host or a listen address), or undefined.
 * `networks` are the operator's (cluster.newMemberNetworks), already valid; `setting` names them.
 */
export function newMemberHostProblem(
  host: string,
  networks: Network[] | undefined,
  setting: string,
): string | undefined {
  const ip = ipAddressOf(host);
  if (!ip) {
    if (LOOPBACK_NAME.test(host))
      return `${host} is the loopback: a new member is never on the worker's own host`;
    return networks
      ? `${host} is a name, but ${setting} is set: give the IP address (a name can resolve anywhere, and the check is made on the request, before anything resolves it)`
      : undefined;
  }
  const listed = networks ?? [];
  const reserved = RESERVED.find((r) => contains(r.network, ip));
  if (reserved) {
    const explicit = listed.some(
      (n) => contains(n, ip) && within(n, reserved.network),
    );
    return explicit
      ? undefined
      : `${formatIp(ip)} is ${reserved.what}: a new member is there only if ${setting} lists a network inside ${formatRange(reserved.network)} that contains it`;
  }
  if (networks && !networks.some((n) => contains(n, ip)))
    return `${formatIp(ip)} is outside ${setting} (${networks.map(formatRange).join(', ')})`;
  return undefined;
}

export const formatRange = (n: Network): string =>
  `${formatIp({ family: n.family, value: n.base })}/${n.bits}`;
