/**
 * The apiservers phase's order and branches (test/support/timeSkipping.ts, stub activities): one node
 * at a time after the last member, every apiserver ready before each; a node that does not come back
 * is put back and fails the run naming it; an apiserver down before the first node refuses the
 * rollout with the etcd part done; no control-plane nodes: not told, said in the result.
 */
import assert from 'node:assert/strict';
import { ErrorType } from '../../src/domain/errors';
import {
  afterPreflight,
  joinCalls,
  request,
  useTimeSkipping,
} from '../support/timeSkipping';

const HOSTS = ['127.0.90.11', '127.0.90.12', '127.0.90.13'];
const NEW = ['http://127.0.90.14:2379', 'http://127.0.90.15:2379'];

const withControlPlane = () => ({
  ...request(),
  controlPlane: {
    nodes: HOSTS.map((h) => ({
      host: h,
      readyzURL: `https://${h}:6443/readyz`,
      tls: { caFile: '/tmp/etcd-scaleout-lab/block-90/kube/ca.crt' },
    })),
    settleSeconds: 5,
  },
});

/** The calls from the apiservers phase on; each check of every apiserver (three side by side) sorted. */
function apiserverCalls(calls: string[]): string[] {
  const phase = calls.slice(
    calls.findIndex((c) => c.startsWith('waitForApiserver')),
  );
  const out: string[] = [];
  for (let i = 0; i < phase.length; ) {
    if (/^(write|restore)ApiserverManifest/.test(phase[i])) {
      out.push(phase[i], phase[i + 1]); // the change, then that node's own wait
      i += 2;
    } else if (phase[i].startsWith('waitForApiserver')) {
      out.push(...phase.slice(i, i + 3).sort());
      i += 3;
    } else out.push(phase[i++]);
  }
  return out;
}

const preChecks = HOSTS.map((h) => `waitForApiserver ${h}`);
const tell = (h: string) => [
  `writeApiserverManifest ${h}`,
  `waitForApiserver ${h}`,
];

describe('the apiservers phase on the time-skipping test server, stub activities', () => {
  const run = useTimeSkipping();

  it('tells each apiserver after the last member, one at a time, every apiserver ready before each', async () => {
    const r = await run(withControlPlane());
    assert.ok(r.ok, r.ok ? '' : r.message);
    const calls = afterPreflight(r.calls);
    assert.deepEqual(calls.slice(0, 2 + 2 * joinCalls('etcd4').length), [
      'takeSnapshot',
      ...joinCalls('etcd4', 'ahead'),
      'verifyCluster',
      ...joinCalls('etcd5', 'ahead'),
    ]);
    assert.deepEqual(apiserverCalls(calls), [
      ...preChecks,
      ...tell(HOSTS[0]),
      ...preChecks,
      ...tell(HOSTS[1]),
      ...preChecks,
      ...tell(HOSTS[2]),
      // kubeadm's ConfigMap once, through the first node, after every apiserver was told.
      `updateKubeadmConfigMap ${HOSTS[0]}`,
      // The result's member list was read beside the members' env files, before this phase.
      'releaseScaleOutLock',
    ]);
    const a = r.result.apiservers;
    assert.equal(a?.told, 'all');
    assert.equal(a?.kubeadmConfigMap?.state, 'changed');
    assert.match(
      a?.kubeadm ?? '',
      /^ConfigMap kube-system\/kubeadm-config \(ClusterConfiguration\) etcd\.external\.endpoints changed$/,
    );
    assert.deepEqual(
      a?.nodes.map((n) => [n.host, n.state, n.etcdServers?.slice(3)]),
      HOSTS.map((h) => [h, 'told', NEW]),
    );
    assert.equal(a?.reason, undefined);
  });

  it('a node that does not come back is put back, waited for, and fails the run naming it and the nodes told', async () => {
    const r = await run(withControlPlane(), {
      // 1: the check before the first node, 2: before its own, 3: its wait with the new list.
      'waitForApiserver 127.0.90.12#3': {
        type: ErrorType.ApiserverNotReady,
        message:
          'kube-apiserver on 127.0.90.12 was not ready with the new --etcd-servers',
      },
    });
    assert.ok(!r.ok, 'the run fails');
    assert.equal(r.failure.type, ErrorType.ApiserverRolloutFailed);
    assert.deepEqual(apiserverCalls(afterPreflight(r.calls)), [
      ...preChecks,
      ...tell(HOSTS[0]),
      ...preChecks,
      ...tell(HOSTS[1]),
      `restoreApiserverManifest ${HOSTS[1]}`,
      `waitForApiserver ${HOSTS[1]}`,
      'releaseScaleOutLock',
    ]);
    assert.equal(r.details.node, HOSTS[1]);
    assert.deepEqual(r.details.told, [HOSTS[0]]);
    assert.deepEqual(r.details.notTouched, [HOSTS[2]]);
    assert.match(
      r.message,
      /^telling the kube-apiservers stopped at 127\.0\.90\.12: ApiserverNotReady: .*; changed: \/etc\/kubernetes\/manifests\/kube-apiserver\.yaml --etcd-servers from http:\/\/127\.0\.90\.11:2379,http:\/\/127\.0\.90\.12:2379,http:\/\/127\.0\.90\.13:2379 to .*127\.0\.90\.15:2379; restored: .* put back .*; its kube-apiserver is ready again; already told: 127\.0\.90\.11; not touched: 127\.0\.90\.13; the etcd members stay.*; the members' env files: all 5 updated$/,
    );
    assert.equal(r.details.memberEnvFiles.files.length, 5);
    assert.ok(!r.calls.includes('removeMember etcd4'), 'no member is removed');
  });

  it('an apiserver not ready before the first node: nothing is changed on any, the result says what is left', async () => {
    const r = await run(withControlPlane(), {
      'waitForApiserver 127.0.90.13#1': {
        type: ErrorType.ApiserverNotReady,
        message:
          'kube-apiserver on 127.0.90.13 was not ready: connection refused',
      },
    });
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.ok(!r.calls.some((c) => c.startsWith('writeApiserverManifest')));
    const a = r.result.apiservers;
    assert.equal(a?.told, 'none');
    assert.match(
      a?.reason ?? '',
      /not every kube-apiserver was ready before 127\.0\.90\.11 was to be restarted .*127\.0\.90\.13: ApiserverNotReady: .*nothing was changed on 127\.0\.90\.11, 127\.0\.90\.12, 127\.0\.90\.13/,
    );
    assert.ok(r.result.warnings.includes(a?.reason ?? ''));
    assert.equal(r.result.membersAfter.length, 5, 'the etcd part is done');
  });

  it('no control-plane nodes: no apiserver call, and the result says the apiservers were not told', async () => {
    const r = await run(request());
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.ok(!r.calls.some((c) => /Apiserver/.test(c)));
    assert.equal(r.result.apiservers?.told, 'none');
    assert.match(
      r.result.apiservers?.reason ?? '',
      /names no control-plane nodes .*the kube-apiservers were not told; .*append http:\/\/127\.0\.90\.14:2379,http:\/\/127\.0\.90\.15:2379 in the --etcd-servers .*keeping the other members/,
    );
  });
});
