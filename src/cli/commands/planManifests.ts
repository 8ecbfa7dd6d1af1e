/**
 * The dry run's kube-apiserver manifests: per control-plane node, the one-line diff of its
 * --etcd-servers the run would write, read over SSH from where the CLI runs (read-only). A node that
 * cannot be reached from here, or a manifest the run would refuse, is said so; the plan goes on.
 */
import { createKubeActivities } from '../../activities/kube/activities';
import { createSshRunner } from '../../activities/node/ssh';
import {
  ManifestRefused,
  renderManifestDiff,
  withEtcdServers,
} from '../../domain/kubernetes/apiserverManifest';
import type { ScaleOutPlan } from '../../domain/planning';
import type { ScaleOutRequest } from '../../domain/request/request';
import { hostSshTarget } from '../../workflows/run/sshTarget';

const messageOf = (err: unknown) =>
  err instanceof Error ? err.message : String(err);

export async function manifestDiffs(
  request: ScaleOutRequest,
  plan: ScaleOutPlan,
): Promise<string[]> {
  const nodes = request.controlPlane?.nodes ?? [];
  if (!nodes.length)
    return [
      'no control-plane nodes in the profile (controlPlane.nodes): the kube-apiservers would not be told',
    ];
  const kube = createKubeActivities({ ssh: createSshRunner() });
  const add = plan.steps.map((s) => s.member.clientURL);
  const perNode = await Promise.all(
    nodes.map(async (n, i): Promise<string[]> => {
      const where = `${i + 1}. ${n.host}`;
      let text: string;
      try {
        ({ text } = await kube.readApiserverManifest(
          hostSshTarget(request, n.host, n.sshPort ?? request.ssh.port),
          n.manifest,
        ));
      } catch (err) {
        return [
          `${where}: cannot read ${n.manifest} over SSH from here (${messageOf(err)}); its diff is left out`,
        ];
      }
      try {
        return [
          `${where}:`,
          ...renderManifestDiff(
            n.manifest,
            withEtcdServers(text, { add }, n.manifest),
          ).map((l) => `  ${l}`),
        ];
      } catch (err) {
        if (err instanceof ManifestRefused)
          return [`${where}: the run would refuse it: ${err.message}`];
        throw err;
      }
    }),
  );
  return perNode.flat();
}
