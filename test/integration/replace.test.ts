/**
 * replaceEtcdMember on the Kubespray-shaped mTLS lab with a stacked control plane (real etcd, real
 * SSH, real kube-apiservers under the lab's kubelet stand-in), one lab for the three cases in order:
 * 1. refused: a healthy member while another voter is down (etcd refuses a member add then), with the
 *    numbers, nothing changed;
 * 2. the down path: etcd2 SIGKILLed and its data dir destroyed (a lost disk), out of every apiserver's
 *    --etcd-servers, removed by ID (the point of no return), etcd4 joined in its place, into the lists;
 * 3. the healthy path on the leader: etcd5 joins first, then the lists swap it in and the leader out,
 *    leadership moves away, the old leader is removed, its service stopped and data dir moved aside.
 * Each ends checking quorum, the member list, every apiserver's list, every env file and the keys;
 * each run's time is printed (a 100 ms readiness monitor counts the apiservers not ready at once).
 */
import assert from 'node:assert/strict';
import { portOpen, waitFor } from '../../lab/processes';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import { ErrorType } from '../../src/domain/errors';
import { etcdServersOf } from '../../src/domain/kubernetes/apiserverManifest';
import {
  assertApiservers,
  clientURL,
  clientURLs,
  cpOf,
  MANIFEST,
} from '../support/controlPlane';
import { assertInvariants } from '../support/invariants';
import { assertKubeadmRegenerates } from '../support/kubeadm';
import { recordTiming, useLab } from '../support/labs';
import {
  assertEnvFiles,
  assertEnvOrder,
  dataDirEntries,
  hostNamed,
  leaderName,
  liveMembers,
  nodeOf,
  replaceRequest,
  runReplace,
} from '../support/replace';
import { getStack } from '../support/stack';

const BLOCK = 220;

describe('replaceEtcdMember (real etcd, SSH and kube-apiservers, mTLS)', () => {
  const lab = useLab({ block: BLOCK, tls: true, controlPlane: true });
  let keys: Record<string, string>;
  before(async () => {
    await getStack();
    keys = await lab().seedKeys(30);
  });

  it('refuses a healthy member while another voter is down, with the numbers; nothing changes', async () => {
    const before = await liveMembers(lab());
    const etcd4 = hostNamed(lab(), 'etcd4');
    const envBefore = etcd4.envFile();
    const manifests = cpOf(lab()).hosts.map((h) => cpOf(lab()).manifest(h));
    await lab().cluster.crashMember('etcd2'); // down, its data kept: restarted below
    const started = Date.now();
    try {
      const o = await runReplace(await replaceRequest(lab(), 'etcd3', etcd4));
      recordTiming('replace refused in preflight (etcd2 down)', started);
      assert.ok(!o.ok, 'the run is refused');
      if (o.ok) return;
      console.log(`      ${o.message}`);
      assert.equal(o.failure.type, ErrorType.PreflightFailed, o.message);
      // etcd refuses a member add unless a quorum of the cluster it would make is healthy: 2 of 4 is not.
      assert.match(
        o.message,
        /replacing etcd3 of 3: the new member would join 3 voters of which 2 healthy, and etcd refuses a member add unless 3 \(the quorum of 4\) are healthy and connected/,
      );
      assert.match(o.message, /nothing had changed/);
      assert.deepEqual(await liveMembers(lab()), before, 'no member changed');
      assert.equal(etcd4.envFile(), envBefore, "etcd4's env file untouched");
      assert.equal(
        (await etcd4.ssh('systemctl is-active etcd || true')).stdout.trim(),
        'inactive',
      );
      assert.deepEqual(
        cpOf(lab()).hosts.map((h) => cpOf(lab()).manifest(h)),
        manifests,
        'no manifest touched',
      );
    } finally {
      lab().cluster.restartMember('etcd2');
    }
    await lab().cluster.waitHealthy();
    await assertApiservers(lab(), clientURLs(lab(), 3));
    await assertKubeadmRegenerates(lab(), clientURLs(lab(), 3));
    await assertInvariants(lab(), {
      members: ['etcd1', 'etcd2', 'etcd3'],
      keys,
      fault: 'replace while another voter is down',
      outcome: 'PreflightFailed, nothing changed',
      startedAt: started,
    });
  });

  it('down path: etcd2 SIGKILLed with its data dir destroyed is taken out of the lists, removed by ID, and etcd4 joins in its place', async () => {
    const cp = cpOf(lab());
    const etcd2 = (await liveMembers(lab())).find((m) => m.name === 'etcd2');
    assert.ok(etcd2);
    await lab().cluster.crashMember('etcd2', { wipeDataDir: true });
    assert.deepEqual(dataDirEntries(nodeOf(lab(), 'etcd2')), []);
    const etcd4 = hostNamed(lab(), 'etcd4');
    const request = await replaceRequest(lab(), 'etcd2', etcd4);
    const monitor = cp.monitor(100);
    const started = Date.now();
    const o = await runReplace(request);
    const report = await monitor.stop();
    recordTiming(
      'replace etcd2 (down) by etcd4: 3 apiservers told twice',
      started,
    );
    if (!o.ok) assert.fail(`${o.failure.type}: ${o.message}`);
    const r = o.result;
    assert.equal(r.path, 'down');
    assert.deepEqual(r.replaced, { name: 'etcd2', id: etcd2.id });
    assert.equal(r.newMember, 'etcd4');
    // The one order: the profile's (the inventory's), the replacement appended.
    assert.deepEqual(r.membersBefore, ['etcd1', 'etcd2', 'etcd3']);
    assert.deepEqual(r.membersAfter, ['etcd1', 'etcd3', 'etcd4']);
    const removal = r.removal;
    assert.ok(removal, 'the removal is reported');
    assert.equal(removal.member, 'etcd2');
    assert.equal(removal.id, etcd2.id);
    assert.equal(removal.removed, true);
    // Its host answers (sshd runs; only etcd and its disk are gone): the service is stopped there.
    assert.equal(removal.serviceStopped, true);
    assert.deepEqual(r.leftByHand, [], JSON.stringify(r.leftByHand));
    assert.ok(r.backup?.path, 'a backup was taken');
    // Two rollouts: etcd2 out before its removal, etcd4 in once it is a voter.
    assert.equal(r.apiservers.out?.told, 'all', JSON.stringify(r.apiservers));
    assert.equal(r.apiservers.in?.told, 'all', JSON.stringify(r.apiservers));
    assert.equal(r.apiservers.swap, undefined);
    // Out first (the order kept), the new member appended.
    const lists = [
      clientURL(lab(), 0),
      clientURL(lab(), 2),
      clientURL(lab(), 3),
    ];
    assert.deepEqual(r.etcdServers, lists);
    await assertApiservers(lab(), lists);
    // kubeadm's copies followed both rollouts: kubeadm itself writes etcd1, etcd3 and etcd4.
    assert.equal(r.apiservers.in?.kubeadmConfigMap?.state, 'changed');
    await assertKubeadmRegenerates(lab(), lists);
    console.log(
      `      readiness monitor: at most ${report.maxNotReady} apiserver not ready over ${(report.durationMs / 1000).toFixed(1)}s`,
    );
    assert.ok(report.maxNotReady <= 1, 'one apiserver down at a time');
    const env = parseEnvFile(etcd4.envFile() ?? '');
    assert.equal(env.ETCD_INITIAL_CLUSTER_STATE, 'existing');
    await assertEnvFiles(lab());
    await assertEnvOrder(lab(), r.etcdServers);
    await assertInvariants(lab(), {
      members: ['etcd1', 'etcd3', 'etcd4'],
      keys,
      fault: 'replace a member SIGKILLed with its data dir destroyed',
      outcome: 'down path: etcd2 removed, etcd4 joined, lists of etcd1,3,4',
      startedAt: started,
    });
  });

  it('healthy path on the leader: etcd5 joins first, the lists swap, leadership moves away, the old leader is removed and retired', async () => {
    const cp = cpOf(lab());
    const leader = await leaderName(lab());
    const members = await liveMembers(lab());
    const old = members.find((m) => m.name === leader);
    assert.ok(old);
    const etcd5 = hostNamed(lab(), 'etcd5');
    const listBefore = etcdServersOf(cp.manifest(cp.hosts[0]), MANIFEST);
    const lists = [
      ...listBefore.filter((u) => !old.clientURLs.includes(u)),
      `https://${etcd5.address}:2379`,
    ];
    const request = await replaceRequest(lab(), leader, etcd5);
    const monitor = cp.monitor(100);
    const started = Date.now();
    const o = await runReplace(request);
    const report = await monitor.stop();
    recordTiming(
      `replace the leader ${leader} (healthy) by etcd5: 3 apiservers told once`,
      started,
    );
    if (!o.ok) assert.fail(`${o.failure.type}: ${o.message}`);
    const r = o.result;
    assert.equal(r.path, 'healthy');
    assert.deepEqual(r.replaced, { name: leader, id: old.id });
    assert.equal(r.newMember, 'etcd5');
    // One rollout: etcd5 in and the old leader out, node by node, before the removal.
    assert.equal(r.apiservers.swap?.told, 'all', JSON.stringify(r.apiservers));
    assert.equal(r.apiservers.out, undefined);
    assert.equal(r.apiservers.in, undefined);
    const removal = r.removal;
    assert.ok(removal, 'the removal is reported');
    const others = members.map((m) => m.name).filter((n) => n !== leader);
    assert.deepEqual(r.membersAfter, [...others.sort(), 'etcd5']); // the lab's order, etcd5 appended
    assert.equal(removal.leadership?.from, leader, JSON.stringify(removal));
    assert.ok(
      removal.leadership?.to && removal.leadership.to !== leader,
      JSON.stringify(removal.leadership),
    );
    assert.equal(removal.removed, true);
    assert.equal(removal.serviceStopped, true);
    assert.match(removal.dataDirMovedTo ?? '', /quarantined-removed/);
    const left = dataDirEntries(nodeOf(lab(), leader));
    assert.ok(!left.includes('member'), `${leader}'s data dir: ${left}`);
    assert.ok(
      left.some((e) => /^member\.quarantined-removed-/.test(e)),
      `${leader}'s data dir: ${left}`,
    );
    assert.deepEqual(r.leftByHand, []);
    const address = new URL(old.clientURLs[0]).hostname;
    await waitFor(
      `the old leader's etcd on ${address} to be gone`,
      async () => !(await portOpen(address, 2379)),
      15_000,
    );
    assert.notEqual(await leaderName(lab()), leader);
    assert.deepEqual(r.etcdServers, lists); // the manifests' order is the one order
    await assertApiservers(lab(), lists);
    assert.deepEqual(r.apiservers.swap?.kubeadmConfigMap?.endpoints, lists);
    await assertKubeadmRegenerates(lab(), lists);
    console.log(
      `      readiness monitor: at most ${report.maxNotReady} apiserver not ready over ${(report.durationMs / 1000).toFixed(1)}s`,
    );
    assert.ok(report.maxNotReady <= 1, 'one apiserver down at a time');
    await assertEnvFiles(lab());
    await assertEnvOrder(lab(), r.etcdServers);
    await assertInvariants(lab(), {
      members: [...others, 'etcd5'],
      keys,
      fault: 'replace the leader',
      outcome: `healthy path: leadership moved ${removal.leadership?.from} -> ${removal.leadership?.to}, ${leader} removed, etcd5 joined`,
      startedAt: started,
    });
  });
});
