/**
 * The scale-out request: its schema, its defaults and its validation.
 *
 * Pure code: used by the workflow (validate phase), the CLI, the dry run and the HTTP API, so every
 * entry point refuses the same inputs with the same messages. Every message names its field.
 * Values that later reach a shell on a node (names, paths, hosts) are held to strict patterns here;
 * the node adapter quotes them as well (defence in depth).
 */
import { z } from 'zod';

/** Member and cluster names: what etcd's `--name` and Kubespray's inventory use. No shell metacharacters. */
export const NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;
/** Hostnames or IPv4 addresses. */
const HOST = /^(([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/i;
/** Absolute paths without traversal, spaces or shell metacharacters. */
export const ABS_PATH = /^\/[A-Za-z0-9._@+\/-]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** An IPv4 address, or an IPv6 address as a URL writes it (in brackets). */
export const isIpAddress = (host: string): boolean => IPV4.test(host) || /^\[[0-9a-f:.]+\]$/i.test(host);
/** A type error's message; a missing field says so. */
const need = (message: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? `is required: ${message}` : message) });

const SERVICE = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,63}$/;
export const TICKET = /^[A-Za-z0-9][A-Za-z0-9._:#\/-]{0,63}$/;

const absPath = (what: string) =>
  z
    .string(need(`must be an absolute path (${what})`))
    .min(1, 'must not be empty')
    .max(4096, 'is too long')
    .regex(ABS_PATH, `must be an absolute path made of letters, digits and ._@+-/ (${what})`)
    .refine((p) => !p.split('/').includes('..') && !p.split('/').includes('.'), 'must not contain "." or ".." segments')
    .refine((p) => p.length === 1 || !p.endsWith('/'), 'must not end with "/"');

function urlOf(kind: string, defaultPort: number) {
  return z
    .string(need(`must be a URL like https://10.0.0.14:${defaultPort} (${kind})`))
    .max(256, 'is too long')
    .superRefine((value, ctx) => {
      let u: URL;
      try {
        u = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a URL like https://10.0.0.14:${defaultPort} (${kind}), got ${JSON.stringify(value)}` });
        return;
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: `must use http or https, got ${JSON.stringify(value)}` });
        return;
      }
      if (!u.port) ctx.addIssue({ code: 'custom', message: `must name its port explicitly (etcd uses ${defaultPort})` });
      if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) {
        ctx.addIssue({ code: 'custom', message: 'must be scheme://host:port with no path, query or credentials' });
      }
      if (!HOST.test(u.hostname) && !/^\[[0-9a-f:]+\]$/i.test(u.hostname)) {
        ctx.addIssue({ code: 'custom', message: `has an invalid host ${JSON.stringify(u.hostname)}` });
      }
    })
    .transform((value) => {
      const u = new URL(value);
      return `${u.protocol}//${u.host}`;
    });
}

const Tls = z
  .object({
    caFile: absPath('CA certificate file on the worker').default('/etc/ssl/etcd/ssl/ca.pem'),
    certFile: absPath('client certificate file on the worker').optional(),
    keyFile: absPath('client key file on the worker').optional(),
    /** Where Kubespray keeps the CA key (defaults: see certificateAuthority). */
    caHost: z.string(need('must be a hostname or IP address')).max(253, 'is too long').regex(HOST, 'must be a hostname or IPv4 address').optional(),
    caKeyFile: absPath('CA key file on cluster.tls.caHost').optional(),
  })
  .strict()
  .superRefine((tls, ctx) => {
    if (!!tls.certFile !== !!tls.keyFile) {
      ctx.addIssue({ code: 'custom', path: [tls.certFile ? 'keyFile' : 'certFile'], message: 'certFile and keyFile must be given together' });
    }
  });

const NewMember = z
  .object({
    name: z.string(need('must be a string')).regex(NAME, 'must be 1-63 lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit'),
    host: z.string(need('must be a hostname or IP address')).max(253, 'is too long').regex(HOST, 'must be a hostname or IPv4 address'),
    peerURL: urlOf('peer URL', 2380),
    clientURL: urlOf('client URL', 2379),
    sshPort: z.number(need('must be a port number')).int('must be an integer').min(1, 'must be 1-65535').max(65535, 'must be 1-65535').optional(),
    /** The IP etcd binds its listen URLs to (Kubespray's etcd_address) when peerURL/clientURL name the host. */
    listenAddress: z.string(need('must be an IPv4 address')).regex(IPV4, 'must be an IPv4 address (etcd binds its listen URLs to IP addresses only)').optional(),
  })
  .strict();

export const MAX_CLUSTER_SIZE = 9;

const Strategy = z
  .object({
    canary: z.number(need('must be a number')).int('must be an integer').min(1, 'must be at least 1').max(MAX_CLUSTER_SIZE, `must be at most ${MAX_CLUSTER_SIZE}`).default(1),
    rollback: z.enum(['all', 'none'], need('must be "all" or "none"')).default('all'),
    staleDataDir: z.enum(['quarantine', 'fail'], need('must be "quarantine" or "fail"')).default('quarantine'),
    allowEvenSize: z.boolean(need('must be true or false')).default(false),
    catchUpTimeoutSeconds: z.number(need('must be a number of seconds')).int('must be an integer').min(5, 'must be at least 5').max(86_400, 'must be at most 86400').default(300),
    healthTimeoutSeconds: z.number(need('must be a number of seconds')).int('must be an integer').min(5, 'must be at least 5').max(3_600, 'must be at most 3600').default(120),
    approval: z.enum(['none', 'after-canary'], need('must be "none" or "after-canary"')).default('none'),
    approvalTimeout: z
      .union([z.number(), z.string()], need('must be a duration like "24h", "30m", "90s" or a number of seconds'))
      .transform((v, ctx) => {
        const seconds = parseDuration(v);
        if (seconds === undefined || seconds < 1 || seconds > 30 * 86_400) {
          ctx.addIssue({ code: 'custom', message: `must be a duration from 1s to 30d like "24h", "30m", "90s" or a number of seconds, got ${JSON.stringify(v)}` });
          return z.NEVER;
        }
        return seconds;
      })
      .default(86_400),
    onApprovalTimeout: z.enum(['rollback', 'keep-canary'], need('must be "rollback" or "keep-canary"')).default('rollback'),
    approvers: z.array(z.string(need('must be a string')).min(1, 'must not be empty').max(128, 'is too long'), need('must be a list of names')).max(100, 'must list at most 100 approvers').optional(),
    minCertValidityDays: z.number(need('must be a number of days')).int('must be an integer').min(0, 'must be at least 0').max(3_650, 'must be at most 3650').default(30),
    certificates: z.enum(['check', 'issue'], need('must be "check" or "issue"')).default('check'),
  })
  .strict();

/** How long a certificate issued by etcd-scaleout is valid: what Kubespray's make-ssl-etcd.sh gives. */
export const ISSUED_CERT_DAYS = 365;

export const ScaleOutRequestSchema = z
  .object({
    cluster: z
      .object({
        name: z.string(need('must be a string')).regex(NAME, 'must be 1-63 lowercase letters, digits, ".", "_" or "-"'),
        endpoints: z.array(urlOf('client URL of an existing member', 2379), need('must be a list of client URLs')).min(1, 'must list at least one endpoint').max(MAX_CLUSTER_SIZE, `must list at most ${MAX_CLUSTER_SIZE} endpoints`),
        tls: Tls.optional(),
      })
      .strict(),
    newMembers: z.array(NewMember, need('must be a list of members')).min(1, 'must list at least one new member').max(MAX_CLUSTER_SIZE - 1, `must list at most ${MAX_CLUSTER_SIZE - 1} members`),
    ssh: z
      .object({
        user: z.string(need('must be a string')).regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a POSIX user name'),
        port: z.number(need('must be a port number')).int('must be an integer').min(1, 'must be 1-65535').max(65535, 'must be 1-65535').default(22),
        privateKeyFile: absPath('private key file on the worker'),
        knownHostsFile: absPath('known_hosts file on the worker'),
      })
      .strict(),
    node: z
      .object({
        envFile: absPath('env file on the node').default('/etc/etcd.env'),
        dataDir: absPath('data dir on the node').refine((p) => p !== '/', 'must not be "/"').default('/var/lib/etcd'),
        service: z.string(need('must be a string')).regex(SERVICE, 'must be a systemd unit name').default('etcd'),
        etcdBinary: absPath('etcd binary on the node').default('/usr/local/bin/etcd'),
        // Where the new member's env comes from: its own file ("node") or a healthy member's ("member");
        // "auto" is resolved in preflight: "node" when the node has an env file, else "member".
        envFrom: z.enum(['auto', 'member', 'node'], need('must be "auto", "member" or "node"')).default('auto'),
        certDir: absPath('certificate folder on the node').default('/etc/ssl/etcd/ssl'),
      })
      .strict()
      .prefault({}),
    strategy: Strategy.prefault({}),
    backup: z.object({ dir: absPath('backup folder on the worker') }).strict().default({ dir: '/var/backups/etcd-scaleout' }),
    notify: z
      .object({
        webhookUrl: z
          .string(need('must be an http(s) URL'))
          .max(2048, 'is too long')
          .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')
          // A secret in the URL would land in the workflow history: it belongs in notify.secretFile.
          .refine((u) => {
            try {
              const url = new URL(u);
              return !url.username && !url.password;
            } catch {
              return false;
            }
          }, 'must be an http(s) URL without credentials (put the secret in notify.secretFile)'),
        secretFile: absPath('file on the worker holding the HMAC-SHA256 secret').optional(),
      })
      .strict()
      .optional(),
    ticket: z
      .object({
        id: z.string(need('must be a string')).regex(TICKET, 'must be 1-64 letters, digits or ._:#/- starting with a letter or digit'),
        requestedBy: z.string(need('must be a string')).min(1, 'must not be empty').max(128, 'is too long').regex(/^[^\u0000-\u001f]*$/, 'must not contain control characters').optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((req, ctx) => {
    // Cross-field checks only once every field is well formed (their own messages come first).
    if (!Array.isArray(req.cluster?.endpoints) || !Array.isArray(req.newMembers) || !req.strategy) return;
    const urls = [...req.cluster.endpoints, ...req.newMembers.flatMap((m) => [m.clientURL, m.peerURL])];
    const scheme = (u: string) => {
      try {
        return new URL(u).protocol;
      } catch {
        return undefined;
      }
    };
    if (urls.some((u) => typeof u !== 'string' || !/^https?:$/.test(scheme(u) ?? ''))) return;
    const schemes = new Set(urls.map(scheme));
    if (schemes.size > 1) {
      ctx.addIssue({ code: 'custom', path: ['cluster', 'endpoints'], message: 'endpoints and new members must all use http or all use https, not a mix' });
    }
    if (req.cluster.tls && schemes.has('http:') && !schemes.has('https:')) {
      ctx.addIssue({ code: 'custom', path: ['cluster', 'tls'], message: 'TLS files were given but the endpoints use http; use https endpoints or drop cluster.tls' });
    }
    const seen = (key: (m: (typeof req.newMembers)[number]) => string, field: string) => {
      const first = new Map<string, number>();
      req.newMembers.forEach((m, i) => {
        const k = key(m);
        if (first.has(k)) {
          ctx.addIssue({ code: 'custom', path: ['newMembers', i, field], message: `duplicates newMembers[${first.get(k)}].${field} (${k})` });
        } else first.set(k, i);
      });
    };
    seen((m) => m.name, 'name');
    seen((m) => m.peerURL, 'peerURL');
    seen((m) => m.clientURL, 'clientURL');
    req.newMembers.forEach((m, i) => {
      for (const [field, url] of [['peerURL', m.peerURL], ['clientURL', m.clientURL]] as const) {
        if (new URL(url).hostname !== m.host) {
          ctx.addIssue({ code: 'custom', path: ['newMembers', i, field], message: `host ${new URL(url).hostname} differs from newMembers[${i}].host (${m.host})` });
        }
      }
      // The URLs are also listen URLs unless listenAddress is given: etcd refuses names there.
      for (const [field, url] of [['peerURL', m.peerURL], ['clientURL', m.clientURL]] as const) {
        const host = new URL(url).hostname;
        if (!m.listenAddress && !isIpAddress(host)) {
          ctx.addIssue({ code: 'custom', path: ['newMembers', i, field], message: `host ${host} is a name, but etcd binds its listen URLs to IP addresses only ("expected IP in URL for binding"): use an IP address or set newMembers[${i}].listenAddress` });
        }
      }
      if (req.cluster.endpoints.includes(m.clientURL)) {
        ctx.addIssue({ code: 'custom', path: ['newMembers', i, 'clientURL'], message: `${m.clientURL} is already one of cluster.endpoints` });
      }
      // One socket cannot serve both: etcd would be added as a learner and then fail to bind.
      const peerHostPort = new URL(m.peerURL).host;
      if (peerHostPort === new URL(m.clientURL).host || req.cluster.endpoints.some((e) => new URL(e).host === peerHostPort)) {
        ctx.addIssue({ code: 'custom', path: ['newMembers', i, 'peerURL'], message: `${m.peerURL} uses the host:port of a client URL; peer and client URLs need different ports` });
      }
    });
    if (req.strategy.canary > req.newMembers.length) {
      ctx.addIssue({ code: 'custom', path: ['strategy', 'canary'], message: `is ${req.strategy.canary} but only ${req.newMembers.length} new member(s) are requested` });
    }
    if (req.strategy.certificates === 'issue') {
      if (!req.cluster.tls || !schemes.has('https:')) {
        ctx.addIssue({ code: 'custom', path: ['strategy', 'certificates'], message: 'is "issue" but the cluster has no TLS: use https URLs and give cluster.tls (the CA host and key)' });
      }
      if (req.strategy.minCertValidityDays >= ISSUED_CERT_DAYS) {
        ctx.addIssue({ code: 'custom', path: ['strategy', 'minCertValidityDays'], message: `is ${req.strategy.minCertValidityDays}, but issued certificates are valid for ${ISSUED_CERT_DAYS} days (Kubespray's); use less with strategy.certificates "issue"` });
      }
    }
  });

/**
 * Where certificates are signed with strategy.certificates "issue". Kubespray keeps the CA key on its
 * first etcd host, so the defaults are the first endpoint's host and Kubespray's key path.
 * Left out of the schema's output so cluster.tls keeps its shape for the etcd client.
 */
export function certificateAuthority(request: ScaleOutRequest): { host: string; keyFile: string } | undefined {
  const tls = request.cluster.tls;
  if (!tls) return undefined;
  return { host: tls.caHost ?? new URL(request.cluster.endpoints[0]).hostname, keyFile: tls.caKeyFile ?? '/etc/ssl/etcd/ssl/ca-key.pem' };
}

/** The URLs etcd binds to: the advertised ones, on listenAddress when one is given. */
export function listenURLs(member: Pick<NewMember, 'peerURL' | 'clientURL' | 'listenAddress'>): { peer: string; client: string } {
  const on = (url: string) => {
    if (!member.listenAddress) return url;
    const u = new URL(url);
    return `${u.protocol}//${member.listenAddress}:${u.port}`;
  };
  return { peer: on(member.peerURL), client: on(member.clientURL) };
}

/** "24h", "30m", "90s", "1d", "1h30m" or a number of seconds -> seconds. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v.trim());
  if (!m || v.trim() === '') return /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
  const [, d, h, min, sec] = m.map((x) => Number(x ?? 0));
  return d * 86_400 + h * 3_600 + min * 60 + sec;
}

export type ScaleOutRequestInput = z.input<typeof ScaleOutRequestSchema>;
export type ScaleOutRequest = z.output<typeof ScaleOutRequestSchema>;
export type NewMember = ScaleOutRequest['newMembers'][number];

export interface FieldError {
  field: string;
  message: string;
}

export type Validation = { ok: true; request: ScaleOutRequest } | { ok: false; errors: FieldError[] };

function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(request)';
}

/** Validates a raw request (any JSON value); never throws. */
export function validateRequest(raw: unknown): Validation {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: '(request)', message: 'must be a JSON object' }] };
  }
  const parsed = ScaleOutRequestSchema.safeParse(raw);
  if (parsed.success) return { ok: true, request: parsed.data };
  const errors = parsed.error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      return { field: fieldName(issue.path), message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) message = `is required (${issue.expected})`;
    return { field: fieldName(issue.path), message };
  });
  return { ok: false, errors };
}

export function formatErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}
