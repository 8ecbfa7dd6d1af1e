/**
 * The `kubeadm-config` ConfigMap's ClusterConfiguration, through the cluster's own apiserver, with the
 * credentials a control-plane node already holds: the request runs ON the node (curl, with the
 * kubeconfig's CA, client certificate and key decoded into a private temporary folder that is removed
 * when the command ends), so no key ever leaves it. The original is saved once per rollout in the
 * run's backup folder on that node (beside the manifests' originals) and put back from there.
 * Idempotent: the edit is computed from the ConfigMap as it is now, and written only at the
 * resourceVersion it was read at (a 409 is retried from a new read).
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import type { EtcdServersChange } from '../../domain/kubernetes/apiserverManifest';
import {
  KubeadmConfigRefused,
  kubeadmEndpointsOf,
} from '../../domain/kubernetes/kubeadmConfig';
import {
  CONFIGMAP_API_PATH,
  CONFIGMAP_LABEL,
  configMapPatch,
  type KubeadmConfigMap,
  kubeadmConfigMapEdit,
  parseKubeadmConfigMap,
} from '../../domain/kubernetes/kubeadmConfigMap';
import type { Remote } from '../node/remote';
import { sh } from '../node/shell';
import type { SshTarget } from '../node/ssh';

export const CONFIGMAP_BACKUP = 'kubeadm-config.ClusterConfiguration.yaml';

/**
 * A shell script that sends one request to `kubeconfig`'s server, on the node: prints `http <code>`
 * then the body, or one word saying why it could not (no-kubeconfig, no-curl, no-client-cert).
 */
function onNode(kubeconfig: string, method: 'GET' | 'PATCH'): string {
  const send =
    method === 'PATCH'
      ? `-X PATCH -H 'Content-Type: application/merge-patch+json' --data-binary @- `
      : '';
  return (
    sh`kc=${kubeconfig}; ` +
    `[ -r "$kc" ] || { echo no-kubeconfig; exit 0; }; ` +
    'command -v curl >/dev/null 2>&1 || { echo no-curl; exit 0; }; ' +
    `umask 077; d=$(mktemp -d) || exit 1; trap 'rm -rf "$d"' EXIT; base=$(dirname -- "$kc"); ` +
    // A kubeconfig key's value (the first one: kubeadm's admin.conf has one cluster and one user), unquoted.
    `val() { awk -v k="$1:" '$1 == k { print $2; exit }' "$kc" | sed -e 's/^"\\(.*\\)"$/\\1/' -e "s/^'\\(.*\\)'$/\\1/"; }; ` +
    'pem() { v=$(val "$1-data"); if [ -n "$v" ]; then printf %s "$v" | base64 -d > "$2"; return; fi; ' +
    'p=$(val "$1"); [ -n "$p" ] || return 1; case "$p" in /*) ;; *) p="$base/$p" ;; esac; cat -- "$p" > "$2"; }; ' +
    'server=$(val server); [ -n "$server" ] || { echo no-server; exit 0; }; ' +
    'pem certificate-authority "$d/ca" && pem client-certificate "$d/crt" && pem client-key "$d/key" || { echo no-client-cert; exit 0; }; ' +
    `code=$(curl -sS --max-time 20 --cacert "$d/ca" --cert "$d/crt" --key "$d/key" ${send}-o "$d/out" -w '%{http_code}' "$server"${sh`${CONFIGMAP_API_PATH}`}) || exit 1; ` +
    'echo "http $code"; cat -- "$d/out"'
  );
}

const WHY: Record<string, string> = {
  'no-kubeconfig': 'no readable kubeconfig',
  'no-curl': 'no curl to send the request with',
  'no-server': 'no server in the kubeconfig',
  'no-client-cert':
    'no client certificate and key (or CA) in the kubeconfig (a token is not used)',
};

interface Answer {
  status: number;
  body: string;
}

/** The node has no kubeconfig at the path asked (a control plane kubeadm did not build has no admin.conf). */
class NoKubeconfig extends Error {}

async function request(
  remote: Remote,
  target: SshTarget,
  kubeconfig: string,
  method: 'GET' | 'PATCH',
  body?: string,
): Promise<Answer> {
  const r = await remote.mustRun(
    target,
    onNode(kubeconfig, method),
    `${method} ${CONFIGMAP_LABEL}`,
    body,
  );
  const [first, ...rest] = r.stdout.split('\n');
  const m = /^http (\d{3})$/.exec(first.trim());
  if (first.trim() === 'no-kubeconfig') throw new NoKubeconfig();
  if (!m)
    throw ApplicationFailure.nonRetryable(
      `${CONFIGMAP_LABEL} through ${kubeconfig} on ${target.host}: ${WHY[first.trim()] ?? first.trim()}; set controlPlane.kubeadm.kubeconfig to a kubeconfig on that node with a client certificate allowed to change kube-system ConfigMaps`,
      ErrorType.KubeadmConfigRefused,
    );
  const status = Number(m[1]);
  const text = rest.join('\n');
  if (status === 409 || status === 429 || status >= 500 || status === 0)
    throw ApplicationFailure.retryable(
      `${method} ${CONFIGMAP_LABEL} on ${target.host}: HTTP ${status} ${text.slice(0, 200)}`,
      ErrorType.RemoteCommandFailed,
    );
  if (status !== 200 && status !== 404)
    throw ApplicationFailure.nonRetryable(
      `${method} ${CONFIGMAP_LABEL} through ${kubeconfig} on ${target.host}: HTTP ${status} ${text.slice(0, 300)}`,
      ErrorType.KubeadmConfigRefused,
    );
  return { status, body: text };
}

const refused = (err: KubeadmConfigRefused, host: string) =>
  ApplicationFailure.nonRetryable(
    `kubeadm configuration (read on ${host}): ${err.message}`,
    ErrorType.KubeadmConfigRefused,
  );

function parsed(a: Answer, host: string): KubeadmConfigMap {
  try {
    return parseKubeadmConfigMap(a.body);
  } catch (err) {
    if (err instanceof KubeadmConfigRefused) throw refused(err, host);
    throw err;
  }
}

export type ConfigMapRead =
  | { state: 'absent'; reason: string }
  | ({ state: 'present' } & KubeadmConfigMap);

export interface ConfigMapWrite {
  /** changed: differs from its original (this rollout's change); unchanged: had the list already; absent: no such ConfigMap. */
  state: 'changed' | 'unchanged' | 'absent';
  host: string;
  /** Why it is taken to be absent: the apiserver answered 404, or the node has no kubeconfig. */
  reason?: string;
  original?: string[];
  endpoints?: string[];
  /** The original ClusterConfiguration, on `host`. */
  backup?: string;
}

export function createKubeadmConfigMapActivities(deps: { remote: Remote }) {
  const { remote } = deps;
  /**
   * `required`: the kubeconfig was named in the profile, so its absence is refused; the default path
   * missing means a control plane kubeadm did not build (no admin.conf), said as absent.
   */
  const read = async (
    target: SshTarget,
    kubeconfig: string,
    required = false,
  ): Promise<ConfigMapRead> => {
    let a: Answer;
    try {
      a = await request(remote, target, kubeconfig, 'GET');
    } catch (err) {
      if (!(err instanceof NoKubeconfig)) throw err;
      if (required)
        throw ApplicationFailure.nonRetryable(
          `${CONFIGMAP_LABEL}: no readable kubeconfig ${kubeconfig} on ${target.host} (controlPlane.kubeadm.kubeconfig)`,
          ErrorType.KubeadmConfigRefused,
        );
      return {
        state: 'absent',
        reason: `no ${kubeconfig} on ${target.host}`,
      };
    }
    return a.status === 404
      ? {
          state: 'absent',
          reason: `the apiserver answered 404: no ${CONFIGMAP_LABEL}`,
        }
      : { state: 'present', ...parsed(a, target.host) };
  };

  return {
    /** The ConfigMap's ClusterConfiguration (for `plan`); absent: the cluster has no kubeadm-config. */
    readKubeadmConfigMap: read,

    /** Saves the original once in `backupDir` on the node, then patches the endpoints unless listed already. */
    async updateKubeadmConfigMap(
      target: SshTarget,
      kubeconfig: string,
      change: EtcdServersChange,
      backupDir: string,
      required = false,
    ): Promise<ConfigMapWrite> {
      const cm = await read(target, kubeconfig, required);
      if (cm.state === 'absent')
        return { state: 'absent', host: target.host, reason: cm.reason };
      const backup = `${backupDir}/${CONFIGMAP_BACKUP}`;
      const kept = await remote.mustRun(
        target,
        sh`mkdir -p -m 0700 -- ${backupDir} && if [ ! -e ${backup} ]; then cat > ${backup}.saving && mv -f -- ${backup}.saving ${backup}; fi && cat -- ${backup}`,
        `save ${CONFIGMAP_LABEL}`,
        cm.text,
      );
      let edit: ReturnType<typeof kubeadmConfigMapEdit>;
      let original: string[];
      try {
        original = kubeadmEndpointsOf(kept.stdout, backup);
        edit = kubeadmConfigMapEdit(cm, change);
      } catch (err) {
        if (err instanceof KubeadmConfigRefused)
          throw refused(err, target.host);
        throw err;
      }
      if (edit.patch)
        await request(remote, target, kubeconfig, 'PATCH', edit.patch);
      const differs =
        original.length !== edit.after.length ||
        original.some((s, i) => s !== edit.after[i]);
      return {
        state: edit.changed || differs ? 'changed' : 'unchanged',
        host: target.host,
        original,
        endpoints: edit.after,
        backup,
      };
    },

    /** Puts the ClusterConfiguration saved in `backupDir` back, unless the ConfigMap has it already. */
    async restoreKubeadmConfigMap(
      target: SshTarget,
      kubeconfig: string,
      backupDir: string,
    ): Promise<{ restored: 'restored' | 'unchanged' | 'no-original' }> {
      const backup = `${backupDir}/${CONFIGMAP_BACKUP}`;
      const kept = await remote.mustRun(
        target,
        sh`if [ -e ${backup} ]; then echo kept; cat -- ${backup}; else echo none; fi`,
        `read the saved ${CONFIGMAP_LABEL}`,
      );
      if (!kept.stdout.startsWith('kept\n')) return { restored: 'no-original' };
      const original = kept.stdout.slice('kept\n'.length);
      const cm = await read(target, kubeconfig, true);
      if (cm.state === 'absent' || cm.text === original)
        return { restored: 'unchanged' };
      await request(
        remote,
        target,
        kubeconfig,
        'PATCH',
        configMapPatch(cm.resourceVersion, original),
      );
      return { restored: 'restored' };
    },
  };
}
