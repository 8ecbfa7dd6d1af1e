/**
 * The env-file values that never leave a node: a value that looks secret is withheld on the worker
 * as soon as an env file is read (a healthy member's, as a new member's template, or a new node's
 * own), so it reaches neither the activity's result, the history nor the audit. A new member's env
 * derived from a member's never carries a withheld value (kubesprayEnv.ts refuses it). Pure.
 */
import { isFilePath } from '../request/patterns';

/** Stands for a value that looked secret when the env file was read: such values never leave the node. */
export const WITHHELD = '<withheld by etcd-scaleout>';
/** Names whose value is a secret whatever it looks like. */
const SECRET_NAME = /PASSW(OR)?D|SECRET|CREDENTIAL/i;
/** Names whose value is a secret unless it is a file path (`ETCDCTL_KEY=/etc/ssl/.../admin-key.pem`). */
const KEY_OR_TOKEN_NAME = /(KEY|TOKEN)$/i;
/**
 * Named like a token but not a credential: etcd mixes the initial cluster token into the cluster and
 * member IDs at bootstrap (Kubespray writes the same `k8s_etcd` on every member, and a join copies
 * it); `--auth-token` names the token provider (`simple`, or `jwt,pub-key=<path>,...`), not a token.
 */
const NOT_SECRET = new Set(['ETCD_INITIAL_CLUSTER_TOKEN', 'ETCD_AUTH_TOKEN']);

/**
 * Whether an env variable's value is withheld when the file is read (so it never reaches the worker's
 * results, the history or the audit): names with PASSWORD/PASSWD, SECRET or CREDENTIAL always; names
 * ending in KEY or TOKEN unless the value is a file path (a key file's path is not a secret: Kubespray's
 * ETCDCTL_KEY) or the name is ETCD_INITIAL_CLUSTER_TOKEN or ETCD_AUTH_TOKEN (settings, not credentials).
 */
export function isWithheld(name: string, value: string): boolean {
  if (NOT_SECRET.has(name)) return false;
  if (SECRET_NAME.test(name)) return true;
  return KEY_OR_TOKEN_NAME.test(name) && !isFilePath(value.trim());
}

/** An env value as parseEnvFile reads it (trimmed, one pair of quotes removed). */
const unquoted = (raw: string): string => {
  const v = raw.trim();
  return /^(".*"|'.*')$/.test(v) ? v.slice(1, -1) : v;
};

/** An env file's text with the values of secret-looking variables (isWithheld) withheld. */
export function withholdSecrets(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=)(.*)$/.exec(line);
      return m && isWithheld(m[2], unquoted(m[3]))
        ? `${m[1]}${WITHHELD}`
        : line;
    })
    .join('\n');
}
