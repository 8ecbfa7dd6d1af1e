/**
 * A cluster profile from a Kubespray inventory (its hosts.yaml or inventory.ini, already parsed to the
 * YAML form's object by inventory/read.ts): the etcd group's
 * hosts and addresses, and Kubespray's paths. What the inventory does not say (the worker's SSH key
 * and known_hosts, the approvers) is given its documented default and listed in `notes`, for the
 * operator to check before the profile goes into the worker's profiles folder.
 *
 * Kubespray's rules, as its roles apply them: a member's client URL is
 * `https://<etcd_access_address | access_ip | ip>:2379` (ansible_host when neither is set, in place of
 * the address Ansible would discover); the certificates are in etcd_cert_dir (/etc/ssl/etcd/ssl),
 * `ca.pem` and `admin-<inventory host>.pem` for etcdctl; the data dir is etcd_data_dir
 * (/var/lib/etcd); host-deployed etcd runs as the `etcd` unit with /etc/etcd.env.
 */
import type { ControlPlane } from '../../kubernetes/controlPlane';
import { type ClusterProfile, validateProfile } from '../../profile/profile';
import { formatErrors } from '../../request/request';
import { BackupSchema, NodeSchema } from '../../request/requestParts';
import { kubesprayPair } from '../kubesprayNames';
import type { InventoryFormat } from './read';

/** The worker's SSH key and known_hosts where docs/production.md puts them. */
export const WORKER_SSH_KEY = '/etc/etcd-scaleout/id_ed25519';
export const WORKER_KNOWN_HOSTS = '/etc/etcd-scaleout/known_hosts';

/** An inventory that cannot give a profile; the message names what is missing or wrong. */
export class InventoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InventoryError';
  }
}

type Vars = Record<string, unknown>;
interface Group {
  hosts: Set<string>;
  children: Set<string>;
  vars: Vars;
}

const isMap = (v: unknown): v is Vars =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Ansible's groups, by name, and each host's variables (merged from every place the host is listed). */
function readInventory(root: Vars): {
  groups: Map<string, Group>;
  hostVars: Map<string, Vars>;
} {
  const groups = new Map<string, Group>();
  const hostVars = new Map<string, Vars>();
  const visit = (name: string, node: unknown) => {
    const group = groups.get(name) ?? {
      hosts: new Set<string>(),
      children: new Set<string>(),
      vars: {},
    };
    groups.set(name, group);
    if (!isMap(node)) return;
    if (isMap(node.hosts))
      for (const [host, vars] of Object.entries(node.hosts)) {
        group.hosts.add(host);
        hostVars.set(host, {
          ...hostVars.get(host),
          ...(isMap(vars) ? vars : {}),
        });
      }
    if (isMap(node.vars)) Object.assign(group.vars, node.vars);
    if (isMap(node.children))
      for (const [child, sub] of Object.entries(node.children)) {
        group.children.add(child);
        visit(child, sub);
      }
  };
  for (const [name, node] of Object.entries(root)) visit(name, node);
  return { groups, hostVars };
}

/** The hosts of a group and of its children, in inventory order. */
function membersOf(
  groups: Map<string, Group>,
  name: string,
  seen = new Set<string>(),
): string[] {
  const group = groups.get(name);
  if (!group || seen.has(name)) return [];
  seen.add(name);
  const out = [...group.hosts];
  for (const child of group.children)
    for (const h of membersOf(groups, child, seen))
      if (!out.includes(h)) out.push(h);
  return out;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;

export interface InventoryProfile {
  profile: ClusterProfile;
  /** What was defaulted, and what the operator must put on the worker. */
  notes: string[];
}

/**
 * The inventory's etcd hosts, the variables each sees, and `setting`: a variable all of them agree
 * on (refused when they differ). Refuses an inventory that is not Kubespray's or has no etcd hosts.
 */
function etcdHostsView(inventory: unknown) {
  if (!isMap(inventory) || !isMap(inventory.all))
    throw new InventoryError(
      'is not a Kubespray inventory: it has no top-level "all" group',
    );
  const { groups, hostVars } = readInventory(inventory);
  const etcdHosts = membersOf(groups, 'etcd');
  if (!etcdHosts.length)
    throw new InventoryError(
      'has no hosts in the "etcd" group (all.children.etcd.hosts in YAML, [etcd] or [etcd:children] in INI): Kubespray puts its etcd members there',
    );
  // Variables a host sees: the all group's, then the etcd group's, then its own (Ansible's order, simplified).
  const allVars = groups.get('all')?.vars ?? {};
  const etcdVars = groups.get('etcd')?.vars ?? {};
  const varsOf = (host: string): Vars => ({
    ...allVars,
    ...etcdVars,
    ...hostVars.get(host),
  });
  const setting = (name: string): string | undefined => {
    const values = new Set(etcdHosts.map((h) => text(varsOf(h)[name])));
    if (values.size > 1)
      throw new InventoryError(
        `gives the etcd hosts different ${name} values (${[...values].map((v) => v ?? '(unset)').join(', ')}): one profile needs one`,
      );
    return [...values][0];
  };
  // A control-plane host's variables: the all group's, kube_control_plane's, then its own.
  const controlPlaneVarsOf = (host: string): Vars => ({
    ...allVars,
    ...groups.get('kube_control_plane')?.vars,
    ...hostVars.get(host),
  });
  return { etcdHosts, varsOf, setting, groups, controlPlaneVarsOf };
}

/** Each etcd host's client URL, from the address Kubespray would use for it. */
function endpointsOf(
  etcdHosts: string[],
  varsOf: (host: string) => Vars,
): string[] {
  return etcdHosts.map((host) => {
    const v = varsOf(host);
    const address = text(
      v.etcd_access_address ?? v.access_ip ?? v.ip ?? v.ansible_host,
    );
    if (!address)
      throw new InventoryError(
        `gives etcd host ${host} no address: set its access_ip, ip or ansible_host`,
      );
    return `https://${address}:2379`;
  });
}

/** Where the worker keeps the cluster's Kubernetes CA (Kubespray's /etc/kubernetes/ssl/ca.crt, copied). */
export const WORKER_KUBE_CA = '/etc/etcd-scaleout/kubernetes-ca.crt';

/**
 * The kube_control_plane group's nodes, each at the address the profile reaches the etcd hosts by
 * (access_ip, else ip, else ansible_host): over SSH, and its apiserver's /readyz at
 * `https://<address>:<kube_apiserver_port | 6443>/readyz`, asked anonymously with the cluster's CA
 * (Kubespray keeps anonymous auth on, and anonymous may read /readyz).
 */
function controlPlaneOf(
  groups: Map<string, Group>,
  varsOf: (host: string) => Vars,
): ControlPlane['nodes'] {
  return membersOf(groups, 'kube_control_plane').map((host) => {
    const v = varsOf(host);
    const address = text(v.access_ip ?? v.ip ?? v.ansible_host);
    if (!address)
      throw new InventoryError(
        `gives control-plane host ${host} no address: set its access_ip, ip or ansible_host`,
      );
    const port = text(v.ansible_port);
    return {
      host: address,
      ...(port ? { sshPort: Number(port) } : {}),
      manifest: '/etc/kubernetes/manifests/kube-apiserver.yaml',
      readyzURL: `https://${address}:${text(v.kube_apiserver_port) ?? 6443}/readyz`,
      tls: { caFile: WORKER_KUBE_CA },
    };
  });
}

/** `format`: the inventory's form, recorded so the result names the inventory change in it. */
export function profileFromInventory(
  inventory: unknown,
  cluster: string,
  format: InventoryFormat = 'yaml',
): InventoryProfile {
  const { etcdHosts, varsOf, setting, groups, controlPlaneVarsOf } =
    etcdHostsView(inventory);
  const deployment = setting('etcd_deployment_type') ?? 'host';
  if (deployment !== 'host')
    throw new InventoryError(
      `has etcd_deployment_type ${JSON.stringify(deployment)}: etcd-scaleout grows host-deployed etcd (a systemd unit and /etc/etcd.env), Kubespray's default "host"`,
    );
  const endpoints = endpointsOf(etcdHosts, varsOf);

  const notes: string[] = [];
  const node = NodeSchema.parse({});
  const certDir = setting('etcd_cert_dir') ?? node.certDir;
  const dataDir = setting('etcd_data_dir') ?? node.dataDir;
  const admin = kubesprayPair(certDir, 'admin', etcdHosts[0]);
  const tls = { caFile: `${certDir}/ca.pem`, ...admin };
  if (certDir !== node.certDir)
    notes.push(
      `etcd_cert_dir is ${certDir}: the nodes' certificates and the worker's TLS files are named from it`,
    );
  notes.push(
    `the worker reads ${tls.caFile}, ${admin.certFile} and ${admin.keyFile} (copy them from ${etcdHosts[0]}, readable by the worker only)`,
  );
  const user = setting('ansible_user');
  if (!user) notes.push('ansible_user is not set: ssh.user is root');
  const port = setting('ansible_port');
  const key = setting('ansible_ssh_private_key_file');
  const privateKeyFile = key?.startsWith('/') ? key : WORKER_SSH_KEY;
  notes.push(
    `the worker's SSH key is ${privateKeyFile} and its known_hosts ${WORKER_KNOWN_HOSTS}: put the new nodes' host keys there (verify the fingerprints)`,
    'strategy.approvers is not set: add it to require named approvers for strategy.approval "after-canary"',
    'cluster.newMemberNetworks is not set: add the networks new etcd members may be on (e.g. ["10.0.0.0/24"]), so a ticket cannot name a host elsewhere',
  );
  const profile: ClusterProfile = {
    cluster: { name: cluster, endpoints, tls },
    ssh: {
      user: user ?? 'root',
      port: port === undefined ? 22 : Number(port),
      privateKeyFile,
      knownHostsFile: WORKER_KNOWN_HOSTS,
    },
    node: {
      envFile: node.envFile,
      dataDir,
      service: node.service,
      etcdBinary: node.etcdBinary,
      certDir,
    },
    backup: BackupSchema.parse(undefined),
    inventory: { format },
  };
  const controlPlaneNodes = controlPlaneOf(groups, controlPlaneVarsOf);
  if (controlPlaneNodes.length) {
    profile.controlPlane = { nodes: controlPlaneNodes };
    notes.push(
      `the worker asks each kube-apiserver's /readyz with the cluster's CA ${WORKER_KUBE_CA} (copy /etc/kubernetes/ssl/ca.crt from ${controlPlaneNodes[0].host}); anonymous auth must be on (Kubespray's default), else give controlPlane.nodes[].tls.certFile and keyFile`,
    );
  } else
    notes.push(
      'the inventory has no kube_control_plane hosts: the kube-apiservers will not be told the new members (add controlPlane to tell them)',
    );
  const v = validateProfile(profile, cluster);
  if (!v.ok)
    throw new InventoryError(
      `gives a profile that breaks the rules: ${formatErrors(v.errors)}`,
    );
  return { profile, notes };
}
