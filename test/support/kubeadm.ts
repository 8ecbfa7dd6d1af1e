/**
 * The proof with kubeadm itself: the real, pinned kubeadm writes a kube-apiserver manifest from the
 * lab's kubeadm-config ConfigMap and from each control-plane host's /etc/kubernetes/kubeadm-config.yaml
 * (`kubeadm init phase control-plane apiserver --config ... --rootfs <scratch>`, what `kubeadm upgrade
 * apply` and a control-plane join do to the manifest), and its --etcd-servers must list exactly the
 * members the cluster has. Each host's file is also checked byte for byte: only its endpoints changed.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Lab } from '../../lab';
import { kubeApiserverRelease } from '../../lab/controlPlane';
import {
  kubeadmBinary,
  kubeadmClusterConfiguration,
  renderKubeadmConfigFile,
} from '../../lab/kubeadmConfig';
import { execFileP } from '../../lab/processes';
import { etcdServersOf } from '../../src/domain/kubernetes/apiserverManifest';
import { cpOf, HOSTS, MANIFEST } from './controlPlane';
import { testTempDir } from './tempDirs';

/**
 * kubeadm refuses a loopback advertise address (it then picks a host interface, and the test machine
 * may have none but lo): the regenerated manifest's own address is a documentation one (TEST-NET-1).
 * Only --etcd-servers is checked, which comes from the ClusterConfiguration alone.
 */
const ADVERTISE = '192.0.2.1';
const INIT = [
  'apiVersion: kubeadm.k8s.io/v1beta4',
  'kind: InitConfiguration',
  'localAPIEndpoint:',
  `  advertiseAddress: ${ADVERTISE}`,
  '  bindPort: 6443',
  '---',
  '',
].join('\n');

/** The --etcd-servers kubeadm writes from `config` (a whole kubeadm configuration file). */
export async function regeneratedEtcdServers(
  config: string,
): Promise<string[]> {
  const root = testTempDir('etcd-scaleout-kubeadm-');
  writeFileSync(join(root, 'kubeadm-config.yaml'), config);
  const kubeadm = kubeadmBinary(kubeApiserverRelease().binary);
  await execFileP(kubeadm, [
    ...['init', 'phase', 'control-plane', 'apiserver'],
    ...['--config', '/kubeadm-config.yaml', '--rootfs', root],
  ]);
  return etcdServersOf(
    readFileSync(join(root, MANIFEST.slice(1)), 'utf8'),
    MANIFEST,
  );
}

/** A host's kubeadm-config.yaml, as the test runner sees it (the host's /etc/kubernetes is a bind mount). */
export const kubeadmFileOf = (lab: Lab, host: string) =>
  join(dirname(dirname(cpOf(lab).manifestFile(host))), 'kubeadm-config.yaml');

/**
 * kubeadm's copies name `expected` (one list for all, or per host for the files): the ConfigMap's and
 * each host's file's regenerated manifest list exactly those members, and each file differs from what
 * the lab wrote only in its endpoints. Returns how long kubeadm took, in ms.
 */
export async function assertKubeadmRegenerates(
  lab: Lab,
  expected: string[],
  files: string[] | Record<string, string[]> = expected,
): Promise<number> {
  const cp = cpOf(lab);
  const started = Date.now();
  const uploaded = await kubeadmClusterConfiguration(
    cp.baseURL(HOSTS[0]),
    cp.adminFiles,
  );
  assert.deepEqual(
    await regeneratedEtcdServers(INIT + uploaded),
    expected,
    'kubeadm from the kubeadm-config ConfigMap',
  );
  for (const [i, host] of HOSTS.entries()) {
    const list = Array.isArray(files) ? files : files[host];
    const text = readFileSync(kubeadmFileOf(lab, host), 'utf8');
    const address = `${lab.prefix}.${11 + i}`;
    assert.equal(
      text,
      renderKubeadmConfigFile({ name: host, address }, list, cp.version),
      `${host}: only etcd.external.endpoints changed`,
    );
    assert.deepEqual(
      await regeneratedEtcdServers(
        text.replace(
          `advertiseAddress: "${address}"`,
          `advertiseAddress: "${ADVERTISE}"`,
        ),
      ),
      list,
      `kubeadm from ${host}'s kubeadm-config.yaml`,
    );
  }
  return Date.now() - started;
}
