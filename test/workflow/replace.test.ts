/**
 * replaceEtcdMember's order, undo and point of no return (test/support/timeSkipping.ts, stub
 * activities): the path from the member's health, every apiserver list changed one node at a time,
 * everything undone before the removal, only forward after it, with what is left named.
 */
import assert from 'node:assert/strict';
import { REPLACE_WORKFLOW_TYPE } from '../../src/config';
import { ErrorType } from '../../src/domain/errors';
import type { ReplaceResult } from '../../src/workflows';
import {
  envWritesSorted,
  joinCalls,
  request,
  undoCalls,
  useTimeSkipping,
} from '../support/timeSkipping';

const HOSTS = ['127.0.90.11', '127.0.90.12', '127.0.90.13'];
const NEW = 'http://127.0.90.14:2379';
const OLD = 'http://127.0.90.13:2379';

function replace(replaceMember = 'etcd3') {
  const base = request();
  return {
    ...base,
    newMembers: base.newMembers.slice(0, 1),
    replaceMember,
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

/** The calls from the lock on, without the apiservers' readiness polls. */
const fromLock = (calls: string[]) =>
  envWritesSorted(
    calls
      .slice(calls.indexOf('acquireScaleOutLock'))
      .filter((c) => !c.startsWith('waitForApiserver')),
  );
const writes = HOSTS.map((h) => `writeApiserverManifest ${h}`);
/** kubeadm's ConfigMap, once per rollout, through the first node. */
const configMap = `updateKubeadmConfigMap ${HOSTS[0]}`;
const configMapUndo = `restoreKubeadmConfigMap ${HOSTS[0]}`;
const removal = [
  'moveLeaderAway',
  'removeMemberById',
  'stopService',
  'quarantineDataDir',
];
const options = (unhealthy: string[] = []) => ({
  workflowType: REPLACE_WORKFLOW_TYPE,
  unhealthy,
});

describe('replaceEtcdMember on the time-skipping test server, stub activities', () => {
  const run = useTimeSkipping();

  it('a healthy member: the new one joins, the lists swap one node at a time, then the old one is removed', async () => {
    const r = await run(replace() as never, {}, options());
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.deepEqual(fromLock(r.calls), [
      'acquireScaleOutLock',
      'takeSnapshot',
      ...joinCalls('etcd4'),
      ...writes,
      configMap,
      ...removal,
      'updateMemberEnvFile',
      'updateMemberEnvFile',
      'updateMemberEnvFile etcd4',
      'verifyCluster etcd4',
      'releaseScaleOutLock',
    ]);
    const result = r.result as unknown as ReplaceResult;
    assert.equal(result.path, 'healthy');
    assert.deepEqual(result.replaced, { name: 'etcd3', id: '1003' });
    assert.deepEqual(result.membersAfter, ['etcd1', 'etcd2', 'etcd4']);
    // The inventory: the new member into the etcd group, the old one out.
    assert.deepEqual(
      result.inventoryChange.hosts.map((h) => h.host),
      ['etcd4'],
    );
    assert.deepEqual(
      result.inventoryChange.removed.map((r) => r.etcdMemberName),
      ['etcd3'],
    );
    assert.deepEqual(
      result.apiservers.swap?.nodes.map((n) => n.etcdServers),
      HOSTS.map(() => [
        'http://127.0.90.11:2379',
        'http://127.0.90.12:2379',
        NEW,
      ]),
    );
  });

  it('a down member: out of the lists, removed first, then the new one joins and goes into the lists', async () => {
    const r = await run(replace() as never, {}, options(['etcd3']));
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.deepEqual(fromLock(r.calls), [
      'acquireScaleOutLock',
      'takeSnapshot',
      ...writes,
      configMap,
      ...removal,
      'updateMemberEnvFile',
      'updateMemberEnvFile',
      ...joinCalls('etcd4'),
      ...writes,
      configMap,
      'updateMemberEnvFile',
      'updateMemberEnvFile',
      'verifyCluster etcd4',
      'releaseScaleOutLock',
    ]);
    const result = r.result as unknown as ReplaceResult;
    assert.equal(result.path, 'down');
    assert.deepEqual(result.apiservers.out?.nodes[0].etcdServers, [
      'http://127.0.90.11:2379',
      'http://127.0.90.12:2379',
    ]);
    assert.deepEqual(result.etcdServers.slice(-1), [NEW]);
  });

  it('before the point of no return: a new node that cannot start is undone, no list is touched', async () => {
    const r = await run(
      replace() as never,
      {
        'startService etcd4': {
          type: ErrorType.ServiceStartFailed,
          message: 'etcd.service failed',
        },
      },
      options(),
    );
    assert.ok(!r.ok);
    if (r.ok) return;
    assert.equal(r.failure.type, ErrorType.ReplaceFailed);
    assert.match(
      r.message,
      /replacement of lab-90 failed in join \(etcd4: startService\): ServiceStartFailed: etcd\.service failed; undone: removed member etcd4/,
    );
    assert.ok(!r.calls.some((c) => c.startsWith('writeApiserverManifest')));
    assert.ok(!r.calls.includes('removeMemberById'));
    const undo = r.calls.indexOf('removeMember etcd4');
    assert.deepEqual(r.calls.slice(undo, undo + 4), undoCalls('etcd4'));
  });

  it('before the point of no return: a swap stopped at a node puts every list back and removes the new member', async () => {
    const r = await run(
      replace() as never,
      {
        [`writeApiserverManifest ${HOSTS[1]}`]: {
          type: ErrorType.ManifestRefused,
          message: 'disk full',
        },
      },
      options(),
    );
    assert.ok(!r.ok);
    if (r.ok) return;
    assert.equal(r.failure.type, ErrorType.ApiserverRolloutFailed);
    const after = fromLock(r.calls).slice(
      fromLock(r.calls).indexOf(writes[1]) + 1,
    );
    assert.deepEqual(after, [
      `restoreApiserverManifest ${HOSTS[1]}`,
      configMapUndo,
      ...[...HOSTS].reverse().map((h) => `restoreApiserverManifest ${h}`),
      ...undoCalls('etcd4'),
      'releaseScaleOutLock',
    ]);
    assert.ok(!r.calls.includes('removeMemberById'));
    assert.match(r.message, /undone: kube-apiserver on 127\.0\.90\.13/);
  });

  it('a removal etcd refuses while it still lists the member is not past the point of no return: every list put back, the new member removed', async () => {
    const r = await run(
      replace() as never,
      {
        removeMemberById: {
          type: ErrorType.MemberMismatch,
          message: 'member 1003 has other peer URLs',
        },
      },
      options(),
    );
    assert.ok(!r.ok);
    if (r.ok) return;
    assert.equal(r.failure.type, ErrorType.MemberMismatch);
    const after = fromLock(r.calls).slice(
      fromLock(r.calls).indexOf('removeMemberById') + 1,
    );
    assert.deepEqual(after, [
      'inspectCluster',
      configMapUndo,
      ...[...HOSTS].reverse().map((h) => `restoreApiserverManifest ${h}`),
      ...undoCalls('etcd4'),
      'releaseScaleOutLock',
    ]);
    assert.doesNotMatch(r.message, /past the point of no return/);
  });

  it('after the point of no return: the down member stays removed, a join that fails is undone, the error says what is left', async () => {
    const r = await run(
      replace() as never,
      {
        'startService etcd4': {
          type: ErrorType.ServiceStartFailed,
          message: 'etcd.service failed',
        },
      },
      options(['etcd3']),
    );
    assert.ok(!r.ok);
    if (r.ok) return;
    assert.equal(r.failure.type, ErrorType.ReplaceFailed);
    assert.match(
      r.message,
      /undone: removed member etcd4 .*; past the point of no return: etcd3 \(ID 1003, http:\/\/127\.0\.90\.13:2380\) was removed and stays removed; etcd4 \(127\.0\.90\.14\) did not join; the cluster has 2 members; left to do: join a replacement/,
    );
    assert.ok(!r.calls.some((c) => c.startsWith('restoreApiserverManifest')));
    assert.ok(r.calls.includes('removeMemberById'));
  });

  it('refuses a healthy member while another is down, with the numbers, changing nothing', async () => {
    const r = await run(replace() as never, {}, options(['etcd2']));
    assert.ok(!r.ok);
    if (r.ok) return;
    assert.equal(r.failure.type, ErrorType.PreflightFailed);
    assert.match(
      r.message,
      /replacing etcd3 of 3: the new member would join 3 voters of which 2 healthy, and etcd 3\.4\.30 refuses a member add unless all 3 are healthy and connected/,
    );
    assert.ok(!r.calls.includes('acquireScaleOutLock'));
    assert.ok(!r.calls.some((c) => c.startsWith('writeApiserverManifest')));
    assert.ok(!r.calls.includes(OLD));
  });
});
