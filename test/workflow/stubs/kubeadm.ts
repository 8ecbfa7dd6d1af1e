/**
 * The stub activities of the kubeadm-config ConfigMap (see ./index.ts): each records its call as
 * "<activity> <host>" (through `calledOn`, which also throws a fault keyed so) and answers as a
 * kubeadm-built cluster whose ConfigMap lists the existing members until it is changed.
 */
import type { Activities } from '../../../src/activities';
import type { CalledOn } from './calls';

export function kubeadmStubs(
  calledOn: CalledOn,
  endpoints: string[],
): Pick<
  Activities,
  'readKubeadmConfigMap' | 'updateKubeadmConfigMap' | 'restoreKubeadmConfigMap'
> {
  let listed = [...endpoints];
  return {
    async readKubeadmConfigMap(target) {
      calledOn('readKubeadmConfigMap', target.host);
      return {
        state: 'present',
        resourceVersion: '1',
        text: `kind: ClusterConfiguration\netcd:\n  external:\n    endpoints: [${listed.join(', ')}]\n`,
      };
    },
    async updateKubeadmConfigMap(target, _kubeconfig, change, backupDir) {
      calledOn('updateKubeadmConfigMap', target.host);
      const next = [
        ...listed,
        ...(change.add ?? []).filter((u) => !listed.includes(u)),
      ].filter((u) => !(change.remove ?? []).includes(u));
      listed = next;
      return {
        state: 'changed',
        host: target.host,
        original: [...endpoints],
        endpoints: next,
        backup: `${backupDir}/kubeadm-config.ClusterConfiguration.yaml`,
      };
    },
    async restoreKubeadmConfigMap(target) {
      calledOn('restoreKubeadmConfigMap', target.host);
      const changed = listed.join() !== endpoints.join();
      listed = [...endpoints];
      return { restored: changed ? 'restored' : 'no-original' };
    },
  };
}
