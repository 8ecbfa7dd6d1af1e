/**
 * The stub activities of the kube-apiservers' static-pod manifests (see ./index.ts): each records its
 * call as "<activity> <host>" and keeps each control-plane node's --etcd-servers, the existing
 * members' client URLs until it is told.
 */
import type { Activities } from '../../../src/activities';
import type { CalledOn } from './calls';

export function apiserverStubs(calledOn: CalledOn, endpoints: string[]) {
  const manifests = new Map<string, string[]>();
  const manifestOf = (host: string) => manifests.get(host) ?? [...endpoints];
  return {
    async readApiserverManifest(target) {
      calledOn('readApiserverManifest', target.host);
      return {
        text: `- --etcd-servers=${manifestOf(target.host).join(',')}\n`,
      };
    },
    async writeApiserverManifest(target, _manifest, change) {
      calledOn('writeApiserverManifest', target.host);
      const original = manifestOf(target.host);
      const next = [
        ...original,
        ...(change.add ?? []).filter((u) => !original.includes(u)),
      ].filter((u) => !(change.remove ?? []).includes(u));
      manifests.set(target.host, next);
      return {
        written: next.length !== original.length,
        original: [...endpoints],
        etcdServers: next,
        backup: '/etc/kubernetes/etcd-scaleout-backups/run/kube-apiserver.yaml',
      };
    },
    async restoreApiserverManifest(target) {
      calledOn('restoreApiserverManifest', target.host);
      manifests.set(target.host, [...endpoints]);
      return {
        restored: 'restored',
        etcdServers: [...endpoints],
      };
    },
    async waitForApiserver(target, _node, expect) {
      calledOn('waitForApiserver', target.host);
      return {
        pid: 4242,
        etcdServers: expect.etcdServers ?? manifestOf(target.host),
        waitedMs: 1500,
        polls: 3,
      };
    },
  } satisfies Partial<Activities>;
}
