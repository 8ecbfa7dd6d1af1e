/**
 * The cluster's control plane, as a profile (or an inline request) names it: the nodes whose
 * kube-apiservers are told the new member list, one at a time, once the last member is verified.
 * Per node: how the worker reaches it over SSH, where its kube-apiserver manifest is, and how the
 * worker asks that apiserver whether it is ready (its /readyz URL and the files, on the worker, that
 * make the apiserver trust it; paths only). A request without a control plane leaves the apiservers
 * as they are and says so in its result.
 */
import { z } from 'zod';
import { absPath, HOST, isSystemDir, need } from '../request/patterns';

export const DEFAULT_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

/** Why a /readyz URL is not one the worker can ask, or undefined. */
export function readyzProblem(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `must be a URL like https://10.0.0.11:6443/readyz, got ${JSON.stringify(value)}`;
  }
  if (u.protocol !== 'https:')
    return 'must use https (the apiserver serves /readyz on its secure port)';
  if (!u.port)
    return 'must name its port explicitly (kube-apiserver uses 6443)';
  if (u.port === '0') return 'must not use port 0';
  if (u.pathname !== '/readyz')
    return `must have the path /readyz, got ${JSON.stringify(u.pathname)}`;
  if (u.search || u.hash || u.username || u.password)
    return 'must be https://host:port/readyz with no query, fragment or credentials';
  if (!HOST.test(u.hostname) && !/^\[[0-9a-f:]+\]$/i.test(u.hostname))
    return `has an invalid host ${JSON.stringify(u.hostname)}`;
  return undefined;
}

/** The manifest: a YAML file in a folder of its own (the kubelet's static-pod folder), never a system folder. */
const manifestPath = absPath('kube-apiserver manifest on the node').refine(
  (p) =>
    /\.ya?ml$/.test(p) && !isSystemDir(p.slice(0, p.lastIndexOf('/')) || '/'),
  'must be a YAML file in the kubelet static-pod folder, like /etc/kubernetes/manifests/kube-apiserver.yaml (not in a system folder such as /etc)',
);

export const ApiserverTlsSchema = z
  .object({
    caFile: absPath("CA certificate file on the worker, the apiserver's CA"),
    certFile: absPath('client certificate file on the worker').optional(),
    keyFile: absPath('client key file on the worker').optional(),
  })
  .strict()
  .superRefine((tls, ctx) => {
    if (!!tls.certFile !== !!tls.keyFile)
      ctx.addIssue({
        code: 'custom',
        path: [tls.certFile ? 'keyFile' : 'certFile'],
        message: 'certFile and keyFile must be given together',
      });
  });

export const ControlPlaneNodeSchema = z
  .object({
    host: z
      .string(need('must be a hostname or IP address'))
      .max(253, 'is too long')
      .regex(HOST, 'must be a hostname or IPv4 address'),
    sshPort: z
      .number(need('must be a port number'))
      .int('must be an integer')
      .min(1, 'must be 1-65535')
      .max(65535, 'must be 1-65535')
      .optional(),
    manifest: manifestPath.default(DEFAULT_MANIFEST),
    readyzURL: z
      .string(need('must be a URL like https://10.0.0.11:6443/readyz'))
      .max(256, 'is too long')
      .superRefine((value, ctx) => {
        const problem = readyzProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    tls: ApiserverTlsSchema,
  })
  .strict();

export const MAX_CONTROL_PLANE_NODES = 15;

/** kubeadm's copies of the etcd list (kubeadmConfig.ts), where a Kubespray/kubeadm control-plane node keeps them. */
export const DEFAULT_KUBEADM_CONFIG_FILE =
  '/etc/kubernetes/kubeadm-config.yaml';
export const DEFAULT_KUBECONFIG = '/etc/kubernetes/admin.conf';

/**
 * Where kubeadm's copies are: the ClusterConfiguration file on each node (absent: the node is told so),
 * and the kubeconfig, on the node, through which the `kubeadm-config` ConfigMap is read and written by
 * a request run on that node (its keys never leave it). Defaults: kubeadm's and Kubespray's paths.
 */
export const KubeadmCopiesSchema = z
  .object({
    configFile: absPath(
      "kubeadm's ClusterConfiguration file on each control-plane node",
    ).optional(),
    kubeconfig: absPath(
      'kubeconfig on the first control-plane node, with the right to change kube-system ConfigMaps',
    ).optional(),
  })
  .strict();

export const ControlPlaneSchema = z
  .object({
    nodes: z
      .array(
        ControlPlaneNodeSchema,
        need('must be a list of control-plane nodes'),
      )
      .max(
        MAX_CONTROL_PLANE_NODES,
        `must list at most ${MAX_CONTROL_PLANE_NODES} nodes`,
      )
      .superRefine((nodes, ctx) => {
        const seen = new Map<string, number>();
        nodes.forEach((n, i) => {
          const key = `${n.host}:${n.sshPort ?? ''}`;
          const first = seen.get(key);
          if (first !== undefined)
            ctx.addIssue({
              code: 'custom',
              path: [i, 'host'],
              message: `names the same node as nodes[${first}] (${n.host}): each control-plane node once`,
            });
          else seen.set(key, i);
        });
      }),
    /** How long one apiserver may take to come back with the new list and be ready. */
    readyTimeoutSeconds: z
      .number(need('must be a number of seconds'))
      .int('must be an integer')
      .min(10, 'must be at least 10')
      .max(3_600, 'must be at most 3600')
      .default(180),
    /** How long it must then stay ready, without a break, before the next node is touched. */
    settleSeconds: z
      .number(need('must be a number of seconds'))
      .int('must be an integer')
      .min(0, 'must be at least 0')
      .max(600, 'must be at most 600')
      .default(10),
    kubeadm: KubeadmCopiesSchema.optional(),
  })
  .strict();

export type ControlPlane = z.output<typeof ControlPlaneSchema>;
export type ControlPlaneNode = ControlPlane['nodes'][number];

/** Where a node's original manifest is kept: beside the manifests folder, never in it (the kubelet runs every manifest there). */
export function manifestBackupDir(manifest: string, runId: string): string {
  const folder = manifest.slice(0, manifest.lastIndexOf('/'));
  const parent = folder.slice(0, folder.lastIndexOf('/')) || '/';
  return `${parent === '/' ? '' : parent}/etcd-scaleout-backups/${runId}`;
}

/** The kubeadm file and kubeconfig paths a control plane uses, defaults filled in. */
export function kubeadmPaths(cp: Pick<ControlPlane, 'kubeadm'>): {
  configFile: string;
  kubeconfig: string;
} {
  return {
    configFile: cp.kubeadm?.configFile ?? DEFAULT_KUBEADM_CONFIG_FILE,
    kubeconfig: cp.kubeadm?.kubeconfig ?? DEFAULT_KUBECONFIG,
  };
}
