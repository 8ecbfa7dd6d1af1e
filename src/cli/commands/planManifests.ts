/**
 * The dry run's kube-apiserver manifests and kubeadm's copies of the list: per control-plane node, the
 * one-line diff of its --etcd-servers and the diff of its kubeadm-config.yaml's etcd.external.endpoints
 * (or that it has none), then once the kubeadm-config ConfigMap's, as the run would write them; read
 * over SSH from where the CLI runs (read-only; the ConfigMap through the first node's kubeconfig, on
 * that node). A node that cannot be reached from here, or a file the run would refuse, is said so; the
 * plan goes on.
 */
import { createKubeActivities } from '../../activities/kube/activities';
import { readKubeadmFile } from '../../activities/kube/kubeadmFile';
import { remote as remoteOver } from '../../activities/node/remote';
import { createSshRunner } from '../../activities/node/ssh';
import {
  type EtcdServersChange,
  ManifestRefused,
  renderManifestDiff,
  withEtcdServers,
} from '../../domain/kubernetes/apiserverManifest';
import {
  type ControlPlane,
  kubeadmPaths,
} from '../../domain/kubernetes/controlPlane';
import {
  KubeadmConfigRefused,
  renderEndpointsDiff,
  withKubeadmEndpoints,
} from '../../domain/kubernetes/kubeadmConfig';
import {
  CONFIGMAP_LABEL,
  kubeadmConfigMapEdit,
} from '../../domain/kubernetes/kubeadmConfigMap';
import type { ClusterSettings } from '../../domain/request/request';
import { hostSshTarget } from '../../workflows/run/sshTarget';

const messageOf = (err: unknown) =>
  err instanceof Error ? err.message : String(err);

/** A diff, or the refusal the run would meet, in the plan's words. */
function diffOr(render: () => string[]): string[] {
  try {
    return render();
  } catch (err) {
    if (err instanceof ManifestRefused || err instanceof KubeadmConfigRefused)
      return [`the run would refuse it: ${err.message}`];
    throw err;
  }
}

/** Each control-plane node's manifest and kubeadm file diffs, then the ConfigMap's, for `change`. */
export async function manifestDiffs(
  request: ClusterSettings & { controlPlane?: ControlPlane },
  change: EtcdServersChange,
): Promise<string[]> {
  const cp = request.controlPlane;
  if (!cp?.nodes.length)
    return [
      "no control-plane nodes in the profile (controlPlane.nodes): the kube-apiservers and kubeadm's copies would not be told",
    ];
  const ssh = createSshRunner();
  const kube = createKubeActivities({ ssh });
  const remote = remoteOver(ssh);
  const { configFile, kubeconfig } = kubeadmPaths(cp);
  const targetOf = (n: ControlPlane['nodes'][number]) =>
    hostSshTarget(request, n.host, n.sshPort ?? request.ssh.port);
  const perNode = await Promise.all(
    cp.nodes.map(async (n, i): Promise<string[]> => {
      const where = `${i + 1}. ${n.host}`;
      let text: string;
      let kubeadmText: string | undefined;
      try {
        ({ text } = await kube.readApiserverManifest(targetOf(n), n.manifest));
        kubeadmText = await readKubeadmFile(remote, targetOf(n), configFile);
      } catch (err) {
        return [
          `${where}: cannot read ${n.manifest} or ${configFile} over SSH from here (${messageOf(err)}); its diff is left out`,
        ];
      }
      const kubeadm =
        kubeadmText === undefined
          ? [
              `${configFile}: none on this node (nothing of kubeadm's to change here)`,
            ]
          : diffOr(() =>
              renderEndpointsDiff(
                configFile,
                withKubeadmEndpoints(kubeadmText, change, configFile),
              ),
            );
      return [
        `${where}:`,
        ...[
          ...diffOr(() =>
            renderManifestDiff(
              n.manifest,
              withEtcdServers(text, change, n.manifest),
            ),
          ),
          ...kubeadm,
        ].map((l) => `  ${l}`),
      ];
    }),
  );
  return [
    ...perNode.flat(),
    ...(await configMapDiff(cp, change, kube, targetOf, kubeconfig)),
  ];
}

/** The ConfigMap's diff, read through the first node's kubeconfig on that node. */
async function configMapDiff(
  cp: ControlPlane,
  change: EtcdServersChange,
  kube: ReturnType<typeof createKubeActivities>,
  targetOf: (
    n: ControlPlane['nodes'][number],
  ) => ReturnType<typeof hostSshTarget>,
  kubeconfig: string,
): Promise<string[]> {
  const [first] = cp.nodes;
  const where = `then once, through ${kubeconfig} on ${first.host}:`;
  try {
    const cm = await kube.readKubeadmConfigMap(
      targetOf(first),
      kubeconfig,
      cp.kubeadm?.kubeconfig !== undefined,
    );
    if (cm.state === 'absent')
      return [
        where,
        `  ${CONFIGMAP_LABEL}: none (${cm.reason}): nothing to change`,
      ];
    return [
      where,
      ...diffOr(() =>
        renderEndpointsDiff(CONFIGMAP_LABEL, kubeadmConfigMapEdit(cm, change)),
      ).map((l) => `  ${l}`),
    ];
  } catch (err) {
    return [
      `${where} cannot read ${CONFIGMAP_LABEL} (${messageOf(err)}); its diff is left out`,
    ];
  }
}
