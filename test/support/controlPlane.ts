/**
 * The control-plane lab's parts the apiserver tests share (apiservers.test.ts, scaleIn.test.ts): its
 * kube-apiservers, the profile's `controlPlane` naming them, and the check of what each one runs.
 */
import assert from 'node:assert/strict';
import type { Lab, LabControlPlane } from '../../lab';
import { etcdServersOf } from '../../src/domain/kubernetes/apiserverManifest';

/** The lab's original members, each with a kube-apiserver. */
export const HOSTS = ['etcd1', 'etcd2', 'etcd3'];
export const MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

export function cpOf(lab: Lab): LabControlPlane {
  if (!lab.controlPlane) throw new Error('the lab has no control plane');
  return lab.controlPlane;
}

/** The client URL of the lab's member i (0-based): https, the lab is mTLS. */
export const clientURL = (lab: Lab, i: number) =>
  `https://${lab.prefix}.${11 + i}:2379`;
/** The client URLs of the lab's first n members. */
export const clientURLs = (lab: Lab, n: number) =>
  Array.from({ length: n }, (_, i) => clientURL(lab, i));

/** A request's `controlPlane`: the lab's apiservers, as a profile names them (paths on the worker). */
export function controlPlaneOf(
  lab: Lab,
  waits: { readyTimeoutSeconds?: number; settleSeconds?: number } = {},
) {
  return {
    nodes: cpOf(lab)
      .nodes()
      .map((n) => ({
        host: n.address,
        manifest: n.manifestPath,
        readyzURL: n.readyzURL,
        tls: { caFile: n.caFile, certFile: n.certFile, keyFile: n.keyFile },
      })),
    readyTimeoutSeconds: 90,
    settleSeconds: 3,
    ...waits,
  };
}

/**
 * Every apiserver: its manifest's --etcd-servers and its running process's are `expected` (one list
 * for all, or one per host), it is ready with etcd ok, and no second manifest lies next to its own.
 */
export async function assertApiservers(
  lab: Lab,
  expected: string[] | Record<string, string[]>,
): Promise<void> {
  const cp = cpOf(lab);
  for (const host of HOSTS) {
    const list = Array.isArray(expected) ? expected : expected[host];
    assert.deepEqual(
      etcdServersOf(cp.manifest(host), MANIFEST),
      list,
      `${host}'s manifest`,
    );
    assert.deepEqual(cp.etcdServers(host), list, `${host} running`);
    const r = await cp.readyz(host);
    assert.ok(r.ok && /\[\+\]etcd ok/.test(r.body), `${host}: ${r.body}`);
    assert.deepEqual(
      cp.otherManifests(host),
      [],
      `${host}: no second manifest`,
    );
  }
}
