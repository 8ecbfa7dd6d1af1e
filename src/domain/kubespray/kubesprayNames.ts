/**
 * Kubespray's two names for an etcd host, in one place. Its files are named by the **inventory host
 * name** (`inventory_hostname`, e.g. `node4`): `member-node4.pem`, `admin-node4.pem`, CN
 * `etcd-member-node4` (make-ssl-etcd.sh, etcd.env.j2); etcd itself knows the member by
 * `etcd_member_name` (`etcd4`), its `ETCD_NAME`. A new member's `inventoryHost` is the first; when it
 * is not given the two are the same, as in an inventory that names its hosts after their members.
 */

/** The inventory host name Kubespray names a new member's files by: `inventoryHost`, else its etcd member name. */
export const inventoryHostOf = (member: {
  name: string;
  inventoryHost?: string;
}): string => member.inventoryHost ?? member.name;

export type CertificateKind = 'member' | 'admin';

/** Kubespray's file names for a host's pair (make-ssl-etcd.sh): `<dir>/<kind>-<host>.pem` and `-key.pem`. */
export const kubesprayPair = (
  certDir: string,
  kind: CertificateKind,
  host: string,
): { certFile: string; keyFile: string } => ({
  certFile: `${certDir}/${kind}-${host}.pem`,
  keyFile: `${certDir}/${kind}-${host}-key.pem`,
});

/** `/dir/member-node1.pem` -> `/dir/member-node4.pem` for host node4; `admin-`, `-key.pem` likewise; other names unchanged. */
export function renameHostFile(path: string, host: string): string {
  const slash = path.lastIndexOf('/');
  const m = /^(member|admin)-.+?(-key)?\.pem$/.exec(path.slice(slash + 1));
  return m
    ? `${path.slice(0, slash + 1)}${m[1]}-${host}${m[2] ?? ''}.pem`
    : path;
}
