/**
 * scaleInEtcd's order and its failure report (test/support/timeSkipping.ts, stub activities): the named
 * members out of every apiserver list first, one node at a time, then removed one at a time (leader
 * moved, removed by ID, service stopped, data dir aside), then verified; a removal that fails after the
 * first leaves the first removed and names what is left.
 */
import assert from 'node:assert/strict';
import { SCALE_IN_WORKFLOW_TYPE } from '../../src/config';
import { ErrorType } from '../../src/domain/errors';
import type { ScaleInResult } from '../../src/workflows';
import { request, useTimeSkipping } from '../support/timeSkipping';

const HOSTS = ['127.0.90.11', '127.0.90.12', '127.0.90.13'];
const endpoints = [1, 2, 3, 4, 5].map((n) => `http://127.0.90.1${n}:2379`);

function scaleIn(removeMembers: string[]) {
  const { newMembers: _, ...base } = request();
  return {
    ...base,
    cluster: { ...base.cluster, endpoints },
    removeMembers,
    strategy: { canary: 1 },
    controlPlane: {
      nodes: HOSTS.map((h) => ({
        host: h,
        readyzURL: `https://${h}:6443/readyz`,
        tls: { caFile: '/tmp/etcd-scaleout-lab/block-90/kube/ca.crt' },
      })),
      settleSeconds: 5,
    },
  };
}

/** Preflight's two reads run side by side: sorted. */
const inOrder = (calls: string[]) => [
  calls[0],
  ...calls.slice(1, 3).sort(),
  ...calls.slice(3),
];

/** One member's removal, then the env file of each of the `remaining` members. */
const removal = (remaining: number) => [
  'moveLeaderAway',
  'removeMemberById',
  'stopService',
  'quarantineDataDir',
  ...Array.from({ length: remaining }, () => 'updateMemberEnvFile'),
];

describe('scaleInEtcd on the time-skipping test server, stub activities', () => {
  const run = useTimeSkipping();

  /** etcd4 and etcd5 out, with etcd refusing `call` ("permission denied"): the run fails as that refusal. */
  async function refusedAt(call: string) {
    const r = await run(
      scaleIn(['etcd4', 'etcd5']) as never,
      {
        [call]: {
          type: ErrorType.EtcdRequestRefused,
          message: 'permission denied',
        },
      },
      { workflowType: SCALE_IN_WORKFLOW_TYPE },
    );
    if (r.ok) assert.fail('the run fails');
    assert.equal(r.failure.type, ErrorType.EtcdRequestRefused);
    return r;
  }

  it('takes the members out of every apiserver list, then removes them one at a time, then verifies', async () => {
    const r = await run(
      scaleIn(['etcd4', 'etcd5']) as never,
      {},
      {
        workflowType: SCALE_IN_WORKFLOW_TYPE,
      },
    );
    assert.ok(r.ok, r.ok ? '' : r.message);
    const calls = r.calls.filter((c) => !c.startsWith('waitForApiserver'));
    assert.deepEqual(inOrder(calls), [
      'loadClusterProfile',
      ...['inspectCluster', 'readScaleOutLock'],
      'acquireScaleOutLock',
      'takeSnapshot',
      ...HOSTS.map((h) => `writeApiserverManifest ${h}`),
      `updateKubeadmConfigMap ${HOSTS[0]}`,
      ...removal(4),
      ...removal(3),
      'verifyCluster',
      'releaseScaleOutLock',
    ]);
    const result = r.result as unknown as ScaleInResult;
    assert.deepEqual(result.membersAfter, ['etcd1', 'etcd2', 'etcd3']);
    assert.deepEqual(result.etcdServers, endpoints.slice(0, 3));
    // The inventory loses the removed members, so the next playbook run does not start them again.
    assert.deepEqual(
      result.inventoryChange.removed.map((r) => r.etcdMemberName),
      ['etcd4', 'etcd5'],
    );
    assert.deepEqual(result.inventoryChange.hosts, []);
    assert.equal(result.apiservers.told, 'all');
    assert.deepEqual(
      result.apiservers.nodes.map((n) => n.etcdServers),
      HOSTS.map(() => endpoints.slice(0, 3)),
    );
  });

  it('a removal that fails after the first: the first stays removed, the error names what is left', async () => {
    const r = await refusedAt('removeMemberById#2');
    assert.match(
      r.message,
      /permission denied; removed: etcd4 \(never re-added\); not removed: etcd5 \(ID 1005, http:\/\/127\.0\.90\.15:2380\); the cluster has 4 members/,
    );
    assert.ok(!r.calls.includes('verifyCluster'));
    assert.ok(
      !r.calls.some((c) => c.startsWith('restoreApiserverManifest')),
      'past the first removal the lists are never put back',
    );
    assert.equal(r.calls[r.calls.length - 1], 'releaseScaleOutLock');
  });

  it('approval timeout before the first removal: every list put back, last told first, nothing removed', async () => {
    const input = scaleIn(['etcd4', 'etcd5']);
    input.strategy = { canary: 1, approval: 'after-canary' } as never;
    const r = await run(
      input as never,
      {},
      { workflowType: SCALE_IN_WORKFLOW_TYPE },
    );
    assert.ok(!r.ok);
    if (r.ok) return;
    assert.equal(r.failure.type, ErrorType.ApprovalTimedOut);
    const calls = r.calls.filter((c) => !c.startsWith('waitForApiserver'));
    const restored = [...HOSTS]
      .reverse()
      .map((h) => `restoreApiserverManifest ${h}`);
    assert.deepEqual(calls.slice(calls.indexOf('takeSnapshot') + 1), [
      ...HOSTS.map((h) => `writeApiserverManifest ${h}`),
      `updateKubeadmConfigMap ${HOSTS[0]}`,
      // The undo: kubeadm's ConfigMap first (changed last), then every node, last told first.
      `restoreKubeadmConfigMap ${HOSTS[0]}`,
      ...restored,
      'releaseScaleOutLock',
    ]);
    assert.match(
      r.message,
      /removed: none .*undone: ConfigMap kube-system\/kubeadm-config \(ClusterConfiguration\) put back from this rollout's copy of the original; kube-apiserver on 127\.0\.90\.13/,
    );
  });

  // Before the first member is removed (leadership not moved, or a removal etcd refused and still
  // lists): every list put back, nothing removed. After a refused removal etcd is asked again.
  for (const [fault, recheck] of [
    ['moveLeaderAway', []],
    ['removeMemberById', ['inspectCluster']],
  ] as const)
    it(`${fault} refused for the first member: every list put back, nothing removed`, async () => {
      const r = await refusedAt(`${fault}#1`);
      const calls = r.calls.filter((c) => !c.startsWith('waitForApiserver'));
      assert.deepEqual(calls.slice(calls.indexOf(fault) + 1), [
        ...recheck,
        `restoreKubeadmConfigMap ${HOSTS[0]}`,
        ...[...HOSTS].reverse().map((h) => `restoreApiserverManifest ${h}`),
        'releaseScaleOutLock',
      ]);
      assert.match(
        r.message,
        /removed: none \(never re-added\); not removed: etcd4 .*undone: ConfigMap kube-system\/kubeadm-config \(ClusterConfiguration\) put back .*; kube-apiserver/,
      );
    });

  it('refuses two of three in preflight with the numbers, changing nothing', async () => {
    const input = scaleIn(['etcd2', 'etcd3']);
    input.cluster.endpoints = endpoints.slice(0, 3);
    const r = await run(
      input as never,
      {},
      {
        workflowType: SCALE_IN_WORKFLOW_TYPE,
      },
    );
    assert.ok(!r.ok);
    if (r.ok) return;
    assert.equal(r.failure.type, ErrorType.PreflightFailed);
    assert.match(
      r.message,
      /removing etcd2 and etcd3 of 3 leaves 1 voter \(quorum 1, tolerates 0 failures\)/,
    );
    assert.deepEqual(inOrder(r.calls), [
      'loadClusterProfile',
      'inspectCluster',
      'readScaleOutLock',
    ]);
  });
});
