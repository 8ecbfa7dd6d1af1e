/**
 * The request's sections, each with its own rules: composed into the whole request (request.ts) and
 * into a cluster profile (profile.ts), so a value is held to the same pattern wherever it is written.
 */
import { z } from 'zod';
import {
  nonPublicHostKind,
  nonPublicTargetProblem,
} from '../notify/webhookTarget';
import { parseNetwork } from './networks';
import {
  absPath,
  ETCD_SERVICE,
  freeText,
  HOST,
  IPV4,
  NAME,
  NAME_RULE,
  need,
  nodePath,
  TICKET,
  TICKET_RULE,
  urlOf,
  webhookSecretProblem,
} from './patterns';

export const TlsSchema = z
  .object({
    caFile: absPath('CA certificate file on the worker').default(
      '/etc/ssl/etcd/ssl/ca.pem',
    ),
    certFile: absPath('client certificate file on the worker').optional(),
    keyFile: absPath('client key file on the worker').optional(),
    /** Where Kubespray keeps the CA key (defaults: see certificateAuthority). */
    caHost: z
      .string(need('must be a hostname or IP address'))
      .max(253, 'is too long')
      .regex(HOST, 'must be a hostname or IPv4 address')
      .optional(),
    caKeyFile: absPath('CA key file on cluster.tls.caHost').optional(),
  })
  .strict()
  .superRefine((tls, ctx) => {
    if (!!tls.certFile !== !!tls.keyFile) {
      ctx.addIssue({
        code: 'custom',
        path: [tls.certFile ? 'keyFile' : 'certFile'],
        message: 'certFile and keyFile must be given together',
      });
    }
  });

export const NewMemberSchema = z
  .object({
    name: z
      .string(need('must be a string'))
      .regex(NAME, `must be ${NAME_RULE}`),
    host: z
      .string(need('must be a hostname or IP address'))
      .max(253, 'is too long')
      .regex(HOST, 'must be a hostname or IPv4 address'),
    /** Its name in the Ansible inventory (Kubespray's inventory_hostname), when not `name`: its certificate files carry it. */
    inventoryHost: z
      .string(need('must be a string'))
      .regex(NAME, `must be ${NAME_RULE}`)
      .optional(),
    peerURL: urlOf('peer URL', 2380),
    clientURL: urlOf('client URL', 2379),
    sshPort: z
      .number(need('must be a port number'))
      .int('must be an integer')
      .min(1, 'must be 1-65535')
      .max(65535, 'must be 1-65535')
      .optional(),
    /** The IP etcd binds its listen URLs to (Kubespray's etcd_address) when peerURL/clientURL name the host. */
    listenAddress: z
      .string(need('must be an IPv4 address'))
      .regex(
        IPV4,
        'must be an IPv4 address (etcd binds its listen URLs to IP addresses only)',
      )
      .optional(),
  })
  .strict();

export const MAX_CLUSTER_SIZE = 9;
/** Above this many voters every write waits for too many members: refused unless strategy.allowLargeCluster. */
export const MAX_VOTERS_BY_DEFAULT = 7;

/** The members to add, in order. */
export const NewMembersSchema = z
  .array(NewMemberSchema, need('must be a list of members'))
  .min(1, 'must list at least one new member')
  .max(
    MAX_CLUSTER_SIZE - 1,
    `must list at most ${MAX_CLUSTER_SIZE - 1} members`,
  );

/** A cluster's name: the profile's file name, the EtcdCluster search attribute, part of the workflow ID. */
export const ClusterNameSchema = z
  .string(need('must be a string'))
  .regex(NAME, `must be ${NAME_RULE}`);

/** Client URLs of existing members: where the worker reaches the cluster. */
export const EndpointsSchema = z
  .array(
    urlOf('client URL of an existing member', 2379),
    need('must be a list of client URLs'),
  )
  .min(1, 'must list at least one endpoint')
  .max(MAX_CLUSTER_SIZE, `must list at most ${MAX_CLUSTER_SIZE} endpoints`);

/**
 * The networks new members may be on (CIDRs): when set, every new member's host, URL hosts and listen
 * address must be an IP address inside one of them (networks.ts). Loopback, unspecified and
 * link-local addresses are refused for new members unless a listed network lies inside them.
 */
export const NewMemberNetworksSchema = z
  .array(
    z
      .string(need('must be a network like "10.3.0.0/24"'))
      .max(64, 'is too long')
      .superRefine((value, ctx) => {
        const parsed = parseNetwork(value);
        if (!parsed.ok)
          ctx.addIssue({ code: 'custom', message: parsed.problem });
      }),
    need('must be a list of networks like ["10.3.0.0/24"]'),
  )
  .min(1, 'must list at least one network (leave it out to allow any address)')
  .max(64, 'must list at most 64 networks');

/** The existing cluster: its name, where the worker reaches it, and its TLS files (a request's or a profile's). */
export const ClusterSchema = z
  .object({
    name: ClusterNameSchema,
    endpoints: EndpointsSchema,
    tls: TlsSchema.optional(),
    newMemberNetworks: NewMemberNetworksSchema.optional(),
  })
  .strict();

/** How the worker reaches the nodes: key and known_hosts are paths on the worker. */
export const SshSchema = z
  .object({
    user: z
      .string(need('must be a string'))
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a POSIX user name'),
    port: z
      .number(need('must be a port number'))
      .int('must be an integer')
      .min(1, 'must be 1-65535')
      .max(65535, 'must be 1-65535')
      .default(22),
    privateKeyFile: absPath('private key file on the worker'),
    knownHostsFile: absPath('known_hosts file on the worker'),
  })
  .strict();

/** The node's paths and unit, each held to the root it belongs to (patterns.ts). */
export const NodeSchema = z
  .object({
    envFile: nodePath.envFile.default('/etc/etcd.env'),
    dataDir: nodePath.dataDir.default('/var/lib/etcd'),
    service: z
      .string(need('must be a string'))
      .max(64, 'is too long')
      .regex(
        ETCD_SERVICE,
        'must be a systemd service named like etcd (etcd, etcd.service, etcd-events), not another unit, and not start with "-"',
      )
      .default('etcd'),
    etcdBinary: nodePath.etcdBinary.default('/usr/local/bin/etcd'),
    // Where the new member's env comes from: its own file ("node") or a healthy member's ("member");
    // "auto" is resolved in preflight: "node" when the node has an env file, else "member".
    envFrom: z
      .enum(
        ['auto', 'member', 'node'],
        need('must be "auto", "member" or "node"'),
      )
      .default('auto'),
    certDir: nodePath.certDir.default('/etc/ssl/etcd/ssl'),
  })
  .strict()
  .prefault({});

/**
 * The cluster's Ansible inventory, as `profile from-kubespray` read it: its form, so the result can
 * name the inventory change (the new etcd hosts) in the form the operator keeps it.
 */
export const InventorySchema = z
  .object({
    format: z
      .enum(['ini', 'yaml'], need('must be "ini" or "yaml"'))
      .default('yaml'),
  })
  .strict()
  .prefault({});

/** Where the worker keeps the snapshot taken before the first change. */
export const BackupSchema = z
  .object({ dir: nodePath.backupDir })
  .strict()
  .default({ dir: '/var/backups/etcd-scaleout' });

export const NotifySchema = z
  .object({
    webhookUrl: z
      .string(need('must be an http(s) URL'))
      .max(2048, 'is too long')
      .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')
      // A secret in the URL would land in the workflow history: it belongs in notify.secretFile.
      .refine((u) => webhookSecretProblem(u) === undefined, {
        error: (i) =>
          webhookSecretProblem(String(i.input)) ?? 'must be an http(s) URL',
      }),
    secretFile: absPath('file on the worker holding the HMAC-SHA256 secret')
      .refine(
        (p) => !/^\/(dev|proc|sys)(\/|$)/.test(p),
        'must be a file of its own, not a device or kernel file under /dev, /proc or /sys',
      )
      .optional(),
    /** Loopback, link-local, private and shared addresses are refused unless this is true (webhookTarget.ts). */
    allowPrivateTargets: z
      .boolean(need('must be true or false'))
      .default(false),
  })
  .strict()
  .superRefine((notify, ctx) => {
    if (notify.allowPrivateTargets) return;
    const host = hostnameOf(notify.webhookUrl);
    const kind = host === undefined ? undefined : nonPublicHostKind(host);
    if (host !== undefined && kind)
      ctx.addIssue({
        code: 'custom',
        path: ['webhookUrl'],
        message: nonPublicTargetProblem(host, kind),
      });
  });

/** The URL's hostname, or undefined when it is not a URL (the field's own check says so). */
function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

export const TicketSchema = z
  .object({
    id: z
      .string(need('must be a string'))
      .regex(TICKET, `must be ${TICKET_RULE}`),
    requestedBy: freeText(128).optional(),
  })
  .strict();
