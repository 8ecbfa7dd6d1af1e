/**
 * The patterns every value that reaches a node's files or shell is held to, in one place: the request
 * schema uses them for what a requester writes, planning uses them for what etcd's member list says.
 */
import { z } from 'zod';

/** Member and cluster names: what etcd's `--name` and Kubespray's inventory use. No shell metacharacters. */
export const NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;
export const NAME_RULE =
  '1-63 lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit';
/** Hostnames or IPv4 addresses. */
export const HOST =
  /^(([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/i;
/** Absolute paths without traversal, spaces or shell metacharacters. */
export const ABS_PATH = /^\/[A-Za-z0-9._@+/-]*$/;
/** A clean absolute path (no spaces, shell metacharacters or `..`): what a path read from a node must be. */
export const isFilePath = (value: string): boolean =>
  ABS_PATH.test(value) && !value.split('/').includes('..');
export const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** An IPv4 address, or an IPv6 address as a URL writes it (in brackets). */
export const isIpAddress = (host: string): boolean =>
  IPV4.test(host) || /^\[[0-9a-f:.]+\]$/i.test(host);
export const TICKET = /^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,63}$/;
export const TICKET_RULE =
  '1-64 letters, digits or ._:#/- starting with a letter or digit';
/**
 * Characters that make text lie about itself when shown: C0 and C1 controls (U+0085 is a line break
 * to some readers), DEL, bidirectional overrides and isolates (U+202E reverses what follows), line
 * and paragraph separators.
 */
export const DECEPTIVE_CHARS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/** Why text with DECEPTIVE_CHARS is refused, as every free-text field says it. */
export const DECEPTIVE_TEXT_RULE =
  'must not contain control, bidirectional-override or line-separator characters';

/** A type error's message; a missing field says so. */
export const need = (message: string) => ({
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? `is required: ${message}` : message,
});

/** Free text a person wrote (who asked, who decided, why): shown in the UI, the audit and tickets. */
export const freeText = (max: number) =>
  z
    .string(need('must be a string'))
    .min(1, 'must not be empty')
    .max(max, 'is too long')
    .refine((s) => !DECEPTIVE_CHARS.test(s), DECEPTIVE_TEXT_RULE);

/**
 * A path as the kernel resolves it, without `..` (refused before): repeated slashes collapsed and `.`
 * segments dropped, so `//etc` is `/etc` to every rule that follows. Pure (no node:path: workflow code uses it).
 */
export const normalPath = (path: string): string =>
  `/${path
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/')}`;

/** An absolute path, normalised (normalPath): every rule after it sees, and the run uses, the normal form. */
export const absPath = (what: string) =>
  z
    .string(need(`must be an absolute path (${what})`))
    .min(1, 'must not be empty')
    .max(4096, 'is too long')
    .regex(
      ABS_PATH,
      `must be an absolute path made of letters, digits and ._@+-/ (${what})`,
    )
    .refine(
      (p) => !p.split('/').includes('..') && !p.split('/').includes('.'),
      'must not contain "." or ".." segments',
    )
    .refine((p) => p.length === 1 || !p.endsWith('/'), 'must not end with "/"')
    .transform(normalPath);

/** Why a URL is not one etcd can use as a member's or endpoint's URL, or undefined. */
export function urlProblem(
  value: string,
  defaultPort: number,
  kind: string,
): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `must be a URL like https://10.0.0.14:${defaultPort} (${kind}), got ${JSON.stringify(value)}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return `must use http or https, got ${JSON.stringify(value)}`;
  if (!u.port)
    return `must name its port explicitly (etcd uses ${defaultPort})`;
  if (u.port === '0')
    return 'must not use port 0 (that asks the kernel for any free port)';
  if (
    (u.pathname !== '/' && u.pathname !== '') ||
    u.search ||
    u.hash ||
    u.username ||
    u.password
  ) {
    return 'must be scheme://host:port with no path, query or credentials';
  }
  if (!HOST.test(u.hostname) && !/^\[[0-9a-f:]+\]$/i.test(u.hostname))
    return `has an invalid host ${JSON.stringify(u.hostname)}`;
  return undefined;
}

/** `scheme://host:port`, the form etcd's member list uses. */
export const normalUrl = (value: string): string => {
  const u = new URL(value);
  return `${u.protocol}//${u.host}`;
};

export function urlOf(kind: string, defaultPort: number) {
  return z
    .string(
      need(`must be a URL like https://10.0.0.14:${defaultPort} (${kind})`),
    )
    .max(256, 'is too long')
    .superRefine((value, ctx) => {
      const problem = urlProblem(value, defaultPort, kind);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform(normalUrl);
}

export const hostOf = (url: string): string => new URL(url).hostname;

/** Folders that are never a node's etcd path nor a backup folder: replacing or quarantining them breaks the host. */
const SYSTEM_DIRS = new Set(
  '/ /bin /boot /dev /etc /etc/ssl /etc/systemd /home /lib /lib64 /media /mnt /opt /proc /root /run /sbin /srv /sys /tmp /usr /usr/bin /usr/lib /usr/local /usr/local/bin /usr/sbin /var /var/backups /var/lib /var/log /var/run /var/tmp'.split(
    ' ',
  ),
);
export const isSystemDir = (path: string): boolean => SYSTEM_DIRS.has(path);
const segments = (path: string) => path.split('/').filter(Boolean);
const namesEtcd = (path: string) =>
  segments(path).some((s) => s.includes('etcd'));

/**
 * Folders any user, or a user other than root, can write to (world-writable, per-user, or
 * user-mounted): an etcd binary there is anyone's program, run as root by preflight and the unit.
 */
const USER_WRITABLE_ROOTS = [
  '/tmp',
  '/var/tmp',
  '/dev',
  '/run',
  '/var/run',
  '/var/lock',
  '/var/crash',
  '/var/mail',
  '/var/spool',
  '/home',
  '/media',
  '/mnt',
  '/proc',
  '/sys',
];
/** True when `path` (normal, see normalPath) is a user-writable root or under one. */
export const isUserWritable = (path: string): boolean =>
  USER_WRITABLE_ROOTS.some((r) => path === r || path.startsWith(`${r}/`));

/**
 * Where an env file may be: directly in /etc and named like etcd (Kubespray's /etc/etcd.env), or
 * under a folder of its own named like etcd (/etc/etcd/etcd.env). Never in a folder another program
 * reads as configuration (/etc/sudoers.d, /etc/systemd, /etc/cron.d, /etc/profile.d, ...).
 */
function isEtcdEnvFile(path: string): boolean {
  const [etc, first, ...rest] = segments(path);
  if (etc !== 'etc' || first === undefined) return false;
  return rest.length === 0 ? first.includes('etcd') : first.startsWith('etcd');
}

/**
 * Node paths: each under the root it belongs to and named like etcd's, so a request cannot aim at
 * /etc/sudoers or /. Each rule sees the normal path (absPath), so `//etc` is /etc to it.
 */
export const nodePath = {
  envFile: absPath('env file on the node').refine(
    isEtcdEnvFile,
    "must be a file directly in /etc named like etcd (/etc/etcd.env) or in a folder /etc/etcd* (/etc/etcd/etcd.env); never in /etc/sudoers.d, /etc/systemd or another program's folder",
  ),
  dataDir: absPath('data dir on the node').refine(
    (p) => !isSystemDir(p) && namesEtcd(p),
    'must be a folder whose path names etcd, like /var/lib/etcd, and not a system folder',
  ),
  certDir: absPath('certificate folder on the node').refine(
    (p) => !isSystemDir(p) && (namesEtcd(p) || segments(p).includes('pki')),
    'must be a folder whose path names etcd or pki, like /etc/ssl/etcd/ssl',
  ),
  etcdBinary: absPath('etcd binary on the node')
    .refine(
      (p) => segments(p).at(-1) === 'etcd',
      'must be an executable named etcd, like /usr/local/bin/etcd',
    )
    .refine(
      (p) => !isUserWritable(p),
      `must not be in a folder users can write to (${USER_WRITABLE_ROOTS.join(', ')}): it runs as root; use a system folder like /usr/local/bin/etcd`,
    ),
  backupDir: absPath('backup folder on the worker').refine(
    (p) => !isSystemDir(p),
    'must be a folder of its own, not a system folder like / or /var',
  ),
};
/**
 * A systemd service named like etcd (etcd, etcd.service, etcd-events): never a target, socket or other
 * unit, and never starting with "-" (systemctl would read it as an option).
 */
export const ETCD_SERVICE =
  /^(?!-)[A-Za-z0-9_@-]*etcd[A-Za-z0-9_@-]*(\.service)?$/;

/**
 * A webhook URL must carry no secret: it is written into the workflow history, the audit report and
 * logs. Credentials, a query string, a fragment, or a path segment that looks like a token are refused.
 */
export function webhookSecretProblem(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'must be an http(s) URL';
  }
  if (u.username || u.password)
    return 'must be an http(s) URL without credentials (put the secret in notify.secretFile)';
  if (u.search || u.hash)
    return 'must have no query string or fragment: a token there would reach the history (put the secret in notify.secretFile)';
  const path = decodedPath(u.pathname);
  if (path === undefined)
    return 'has a malformed %-escape in its path: "%" must be followed by two hex digits (write a literal "%" as %25)';
  const tokenLike = segments(path).find(
    (s) => s.length >= 20 && /[A-Za-z]/.test(s) && /\d/.test(s),
  );
  if (tokenLike)
    return 'must not carry a token in its path (a segment of 20+ mixed letters and digits): it would reach the history; put the secret in notify.secretFile';
  return undefined;
}

/** A URL path with its %-escapes decoded, or undefined when one is malformed (decodeURIComponent throws URIError). */
function decodedPath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}
