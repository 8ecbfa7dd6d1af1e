/**
 * A new member's Kubespray env file (`/etc/etcd.env`), derived from a healthy member's. Pure: the node
 * adapter reads the member's file (its secret-looking values withheld, envSecrets.ts), the workflow
 * derives.
 *
 * Why from a member: a node that Kubespray never templated for etcd has no env file, and the
 * member's file carries everything the cluster agreed on (TLS settings, tuning, token, metrics).
 * Only what names the member itself changes: its name, URLs, data dir and certificate files.
 */
import { mergeEnvFile, parseEnvFile } from '../envFiles/envFileText';
import { WITHHELD } from '../envFiles/envSecrets';
import { isFilePath } from '../request/patterns';
import { listenURLs, type NewMember } from '../request/request';
import { inventoryHostOf, renameHostFile } from './kubesprayNames';

/** A value that cannot be written safely or derived for the new member; names the variable. */
export class EnvDerivationError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'EnvDerivationError';
  }
}

/** The healthy member whose env file is the template, as etcd's member list reports it. */
export interface SourceMember {
  name: string;
  peerURLs: string[];
}

export type JoiningMember = Pick<
  NewMember,
  'name' | 'peerURL' | 'clientURL' | 'listenAddress' | 'inventoryHost'
>;

export interface DerivedEnv {
  /** Every variable of the new member's env: the member's, with the derived ones replaced or added. */
  vars: Record<string, string>;
  /** The member's file with the derived values in place: its comments and order are kept. */
  text: string;
  /** The variables whose value is not the member's. */
  changed: string[];
}

/** Discovery bootstraps a new cluster; with ETCD_INITIAL_CLUSTER it is fatal, so a join never copies it. */
const NOT_COPIED = /^ETCD_DISCOVERY/;

/** Variables naming a member's own certificates and keys: Kubespray puts the host in their file names. */
const OWN_TLS_FILE_VARS = [
  'ETCD_CERT_FILE',
  'ETCD_KEY_FILE',
  'ETCD_PEER_CERT_FILE',
  'ETCD_PEER_KEY_FILE',
  'ETCDCTL_CERT',
  'ETCDCTL_KEY',
];

/** Variables naming the CA files every member shares: copied as they are. */
const SHARED_TLS_FILE_VARS = [
  'ETCD_TRUSTED_CA_FILE',
  'ETCD_PEER_TRUSTED_CA_FILE',
  'ETCDCTL_CACERT',
];

/** A TLS file variable's value, refused unless it is a clean absolute path: etcd, etcdctl and issuing open it. */
function checkedFilePath(variable: string, value: string): string {
  if (!isFilePath(value))
    throw new EnvDerivationError(
      variable,
      `${JSON.stringify(value)} is not an absolute path made of letters, digits and ._@+-/`,
    );
  return value;
}

/**
 * Only 127.0.0.1 among IPv4 loopbacks: a member on another 127/8 address (one per node, as on a
 * test machine) is that member's own address, which a copy would bind a second time.
 */
const LOCAL_HOSTS = /^(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0|\[::\])$/i;
/** Loopback and wildcard listeners (Kubespray's `https://127.0.0.1:2379`) are the same on every node. */
const isLocal = (host: string) => LOCAL_HOSTS.test(host);

function urlsOf(variable: string, value: string): URL[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      try {
        return new URL(s);
      } catch {
        throw new EnvDerivationError(
          variable,
          `${JSON.stringify(s)} is not a URL`,
        );
      }
    });
}

const origin = (u: URL) => `${u.protocol}//${u.host}`;

/**
 * A listen list for the new member: loopback and wildcard entries kept, the member's own address
 * replaced by `own` (once). A wildcard on own's port already covers it: adding it would not bind.
 */
export function relistenURLs(
  variable: string,
  value: string | undefined,
  own: string,
): string {
  const ownURL = new URL(own);
  const out: string[] = [];
  let placed = false;
  for (const u of urlsOf(variable, value ?? '')) {
    if (isLocal(u.hostname)) out.push(origin(u));
    else if (!placed) {
      out.push(own);
      placed = true;
    }
  }
  const wildcard = out.some(
    (s) =>
      /^[a-z]+:\/\/(0\.0\.0\.0|\[::\]):/.test(s) &&
      new URL(s).port === ownURL.port,
  );
  if (!placed && !wildcard) out.unshift(own);
  return [...new Set(out)].join(',');
}

/** Other listen lists (metrics): the member's own host becomes the new member's, ports kept. */
function rehostURLs(variable: string, value: string, host: string): string {
  return urlsOf(variable, value)
    .map((u) =>
      isLocal(u.hostname) ? origin(u) : `${u.protocol}//${host}:${u.port}`,
    )
    .join(',');
}

/**
 * Checks an initial-cluster string before it is written: `name=URL` entries only, the joining member
 * among them. A member name with "," or "=" would corrupt the list etcd reads back.
 */
function checkedInitialCluster(value: string, joining: JoiningMember): string {
  const entries = value.split(',');
  for (const e of entries) {
    const m = /^([^=,\s]+)=([^=,\s]+)$/.exec(e);
    let ok = false;
    try {
      ok = !!m && /^https?:$/.test(new URL(m[2]).protocol);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new EnvDerivationError(
        'ETCD_INITIAL_CLUSTER',
        `entry ${JSON.stringify(e)} is not name=URL (a member name with "," or "=" cannot be written there)`,
      );
  }
  if (!entries.includes(`${joining.name}=${joining.peerURL}`)) {
    throw new EnvDerivationError(
      'ETCD_INITIAL_CLUSTER',
      `does not list the joining member ${joining.name}=${joining.peerURL}`,
    );
  }
  return value;
}

/** True when `text` names `host` as a whole token (so 10.0.0.1 is not found in 10.0.0.11). */
const namesHost = (text: string, host: string) =>
  new RegExp(
    `(^|[^A-Za-z0-9.-])${host.replace(/[.[\]]/g, '\\$&')}($|[^A-Za-z0-9.-])`,
  ).test(text);

/** The member's own addresses, from its env and etcd's member list. */
function ownHosts(env: Record<string, string>, source: SourceMember): string[] {
  const vars = [
    'ETCD_ADVERTISE_CLIENT_URLS',
    'ETCD_INITIAL_ADVERTISE_PEER_URLS',
    'ETCD_LISTEN_CLIENT_URLS',
    'ETCD_LISTEN_PEER_URLS',
  ];
  const urls = [
    ...vars.flatMap((v) => urlsOf(v, env[v] ?? '')),
    ...source.peerURLs.map((u) => new URL(u)),
  ];
  return [...new Set(urls.map((u) => u.hostname).filter((h) => !isLocal(h)))];
}

/** The member's env file, parsed; refused when a line would be lost or the file is not `source`'s. */
function parseMemberEnv(
  memberEnvText: string,
  source: SourceMember,
): Record<string, string> {
  // parseEnvFile skips a line holding a carriage return or NUL: refuse it rather than lose it.
  for (const line of memberEnvText.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(line);
    if (m && /[\r\0]/.test(line))
      throw new EnvDerivationError(
        m[1],
        `the value from member ${source.name} holds a carriage return or NUL; it cannot be written to an env file`,
      );
  }
  const env = parseEnvFile(memberEnvText);
  if (env.ETCD_NAME !== source.name) {
    throw new EnvDerivationError(
      'ETCD_NAME',
      `is ${env.ETCD_NAME === undefined ? 'missing' : JSON.stringify(env.ETCD_NAME)} in the env file read from member ${source.name}: not that member's etcd env file`,
    );
  }
  return env;
}

/** Refuses a value withheld as secret, or one that still names one of the member's own `hosts`. */
function refuseUncopiable(
  vars: Record<string, string>,
  hosts: string[],
  source: SourceMember,
): void {
  for (const [k, v] of Object.entries(vars)) {
    if (v === WITHHELD)
      throw new EnvDerivationError(
        k,
        `looks secret, so its value was not read from member ${source.name}; set it on the node by hand and use node.envFrom "node"`,
      );
    const stale =
      k === 'ETCD_INITIAL_CLUSTER'
        ? undefined
        : hosts.find((h) => namesHost(v, h));
    if (stale)
      throw new EnvDerivationError(
        k,
        `would still name member ${source.name}'s address ${stale}; set it on the node by hand and use node.envFrom "node"`,
      );
  }
}

/**
 * The new member's env from a healthy member's env text. Its name, advertise and listen URLs, data
 * dir, own certificate files (member-/admin-<inventory host>), *_NAME/*_ID values equal to its name,
 * ETCD_INITIAL_CLUSTER and ETCD_INITIAL_CLUSTER_STATE=existing are the new member's; discovery
 * variables are dropped; everything else is the member's. Throws EnvDerivationError when the file is
 * not that member's, or when a value cannot be written or would still name the member's address.
 */
export function deriveMemberEnv(
  memberEnvText: string,
  source: SourceMember,
  joining: JoiningMember,
  initialCluster: string,
  dataDir: string,
): DerivedEnv {
  const env = parseMemberEnv(memberEnvText, source);
  const listen = listenURLs(joining);
  const derived: Record<string, string> = {
    ETCD_NAME: joining.name,
    ETCD_DATA_DIR: dataDir,
    ETCD_INITIAL_ADVERTISE_PEER_URLS: joining.peerURL,
    ETCD_ADVERTISE_CLIENT_URLS: joining.clientURL,
    ETCD_LISTEN_PEER_URLS: relistenURLs(
      'ETCD_LISTEN_PEER_URLS',
      env.ETCD_LISTEN_PEER_URLS,
      listen.peer,
    ),
    ETCD_LISTEN_CLIENT_URLS: relistenURLs(
      'ETCD_LISTEN_CLIENT_URLS',
      env.ETCD_LISTEN_CLIENT_URLS,
      listen.client,
    ),
    ETCD_INITIAL_CLUSTER: checkedInitialCluster(initialCluster, joining),
    ETCD_INITIAL_CLUSTER_STATE: 'existing',
  };
  if (env.ETCD_LISTEN_METRICS_URLS)
    derived.ETCD_LISTEN_METRICS_URLS = rehostURLs(
      'ETCD_LISTEN_METRICS_URLS',
      env.ETCD_LISTEN_METRICS_URLS,
      new URL(listen.peer).hostname,
    );
  // etcdctl's endpoints on the node: Kubespray's is 127.0.0.1 (kept); one naming the member's own address is the new member's.
  if (env.ETCDCTL_ENDPOINTS)
    derived.ETCDCTL_ENDPOINTS = rehostURLs(
      'ETCDCTL_ENDPOINTS',
      env.ETCDCTL_ENDPOINTS,
      new URL(joining.clientURL).hostname,
    );
  for (const v of OWN_TLS_FILE_VARS)
    if (env[v] !== undefined)
      derived[v] = renameHostFile(
        checkedFilePath(v, env[v]),
        inventoryHostOf(joining),
      );
  for (const v of SHARED_TLS_FILE_VARS)
    if (env[v] !== undefined) checkedFilePath(v, env[v]);
  // *_NAME/*_ID values that are the member's name (Kubespray's tracing instance ID) become the new member's.
  for (const [k, v] of Object.entries(env))
    if (v === source.name && /(_NAME|_ID)$/.test(k) && !(k in derived))
      derived[k] = joining.name;

  const dropped = Object.keys(env).filter((k) => NOT_COPIED.test(k));
  for (const k of dropped) delete env[k];
  const vars = { ...env, ...derived };
  refuseUncopiable(vars, ownHosts(env, source), source);
  const changed = [
    ...Object.keys(derived).filter((k) => env[k] !== derived[k]),
    ...dropped,
  ];
  const text = mergeEnvFile(memberEnvText, derived)
    .split('\n')
    .filter(
      (l) =>
        !dropped.some((k) => new RegExp(`^\\s*(export\\s+)?${k}=`).test(l)),
    )
    .join('\n');
  return { vars, text, changed };
}
