/**
 * replaceEtcdMember on the member's rebuilt machine, on the Kubespray-shaped mTLS lab with a stacked
 * control plane (real etcd, real SSH, real kube-apiservers under the lab's kubelet stand-in). The
 * on-premises case: etcd2's machine dies (its etcd SIGKILLed, its data dir wiped: a lost disk) and comes
 * back with the same address, the same inventory entry and its certificate files (kept here). The
 * replacement names etcd2 for etcd2, at its own URLs: removed first (the point of no return), the same
 * peer URL added again with a new member ID, and the apiservers' --etcd-servers never touched (the list
 * is the same before and after). Ends checking the member list, the lists, every env file and its
 * order, and the keys; the run's time is printed.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../../lab';
import { assertApiservers, clientURLs, cpOf } from '../support/controlPlane';
import { assertInvariants } from '../support/invariants';
import { recordTiming, useLab } from '../support/labs';
import {
  assertEnvFiles,
  assertEnvOrder,
  dataDirEntries,
  liveMembers,
  nodeOf,
  replaceRequest,
  runReplace,
} from '../support/replace';
import { getStack } from '../support/stack';

const SSL = '/etc/ssl/etcd/ssl';

/**
 * etcd2's machine lost (etcd SIGKILLed, data dir wiped; with `lostCertificates`, its member and admin
 * certificates gone too), then the replacement of etcd2 by etcd2 at its own URLs, checked whole.
 */
async function replaceByItself(
  lab: Lab,
  keys: Record<string, string>,
  options: {
    strategy?: Record<string, unknown>;
    lostCertificates?: boolean;
  } = {},
): Promise<void> {
  const cp = cpOf(lab);
  const before = await liveMembers(lab);
  const old = before.find((m) => m.name === 'etcd2');
  assert.ok(old);
  const lists = clientURLs(lab, 3);
  const manifests = cp.hosts.map((h) => cp.manifest(h));
  await lab.cluster.crashMember('etcd2', { wipeDataDir: true });
  assert.deepEqual(dataDirEntries(nodeOf(lab, 'etcd2')), []);
  const rebuilt = lab.memberHosts.find((h) => h.options.name === 'etcd2');
  assert.ok(rebuilt, "etcd2's machine answers over SSH");
  if (options.lostCertificates)
    await rebuilt.ssh(`rm -f ${SSL}/member-etcd2* ${SSL}/admin-etcd2*`);
  const request = await replaceRequest(lab, 'etcd2', rebuilt);
  if (options.strategy)
    request.strategy = {
      ...(request.strategy as Record<string, unknown>),
      ...options.strategy,
    };
  assert.deepEqual(
    (request.newMembers as Array<Record<string, string>>)[0],
    {
      name: 'etcd2',
      host: old.peerURLs[0] && new URL(old.peerURLs[0]).hostname,
      peerURL: old.peerURLs[0],
      clientURL: old.clientURLs[0],
    },
    'the new member is etcd2 at its own URLs',
  );
  const monitor = cp.monitor(100);
  const started = Date.now();
  const o = await runReplace(request);
  const report = await monitor.stop();
  recordTiming(
    `replace etcd2 (down) by itself on its rebuilt machine${options.lostCertificates ? ', certificates issued again' : ''}`,
    started,
  );
  if (!o.ok) assert.fail(`${o.failure.type}: ${o.message}`);
  const r = o.result;
  assert.equal(r.path, 'down');
  assert.deepEqual(r.replaced, { name: 'etcd2', id: old.id });
  assert.equal(r.newMember, 'etcd2');
  assert.deepEqual(r.membersBefore, ['etcd1', 'etcd2', 'etcd3']);
  assert.deepEqual(r.membersAfter, ['etcd1', 'etcd2', 'etcd3']);
  assert.equal(r.removal?.removed, true);
  assert.equal(r.removal?.id, old.id);
  assert.deepEqual(r.leftByHand, [], JSON.stringify(r.leftByHand));
  // The list is the same: no rollout at all, and the result says why.
  assert.equal(r.apiservers.out, undefined, JSON.stringify(r.apiservers));
  assert.equal(r.apiservers.in, undefined);
  assert.equal(r.apiservers.swap, undefined);
  assert.match(
    r.apiservers.unchanged ?? '',
    /--etcd-servers unchanged: .* is etcd2's own client URL before and after, so no kube-apiserver was touched/,
  );
  assert.deepEqual(r.etcdServers, lists, 'etcdServers: the original list');
  assert.deepEqual(
    cp.hosts.map((h) => cp.manifest(h)),
    manifests,
    'no manifest touched',
  );
  await assertApiservers(lab, lists);
  console.log(
    `      readiness monitor: at most ${report.maxNotReady} apiserver not ready over ${(report.durationMs / 1000).toFixed(1)}s`,
  );
  assert.equal(report.maxNotReady, 0, 'no apiserver restarted');
  // etcd2 again, at the same peer URL, with a new ID; every member a voter.
  const after = await liveMembers(lab);
  const again = after.find((m) => m.name === 'etcd2');
  assert.ok(again, 'etcd2 is listed again');
  assert.deepEqual(again.peerURLs, old.peerURLs);
  assert.deepEqual(again.clientURLs, old.clientURLs);
  assert.notEqual(again.id, old.id, 'a new member ID');
  assert.deepEqual(
    after.map((m) => m.isLearner),
    [false, false, false],
    'every member a voter',
  );
  await assertEnvFiles(lab);
  await assertEnvOrder(lab, r.etcdServers);
  await assertInvariants(lab, {
    members: ['etcd1', 'etcd2', 'etcd3'],
    keys,
    fault: `replace a member by itself on its rebuilt machine (SIGKILLed, data dir wiped${options.lostCertificates ? ', certificates lost' : ''})`,
    outcome:
      'down path: etcd2 removed and re-added at its own address, lists untouched',
    startedAt: started,
  });
}

describe('replaceEtcdMember on the rebuilt machine (real etcd, SSH and kube-apiservers, mTLS)', () => {
  describe('its certificate files kept', () => {
    const lab = useLab({ block: 224, tls: true, controlPlane: true });
    let keys: Record<string, string>;
    before(async () => {
      await getStack();
      keys = await lab().seedKeys(30);
    });

    it('etcd2 SIGKILLed with its data dir wiped, its certificates kept: removed, then added again at its own address under its own name; the apiservers untouched', async () => {
      await replaceByItself(lab(), keys);
    });
  });

  describe('its certificates issued again (strategy.certificates "issue")', () => {
    const lab = useLab({ block: 225, tls: true, controlPlane: true });
    let keys: Record<string, string>;
    before(async () => {
      await getStack();
      keys = await lab().seedKeys(30);
    });

    it('etcd2 SIGKILLed with its data dir and certificates lost: its member and admin certificates issued on its machine, then added again at its own address', async () => {
      const etcd2 = nodeOf(lab(), 'etcd2');
      const member = join(etcd2.sslDir, 'member-etcd2.pem');
      const original = readFileSync(member, 'utf8');
      await replaceByItself(lab(), keys, {
        strategy: { certificates: 'issue' },
        lostCertificates: true,
      });
      const issued = readFileSync(member, 'utf8');
      assert.notEqual(issued, original, 'a new member certificate');
      const cert = new X509Certificate(issued);
      assert.match(cert.subject, /CN=etcd-member-etcd2/);
      assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.225\.12/);
      assert.ok(existsSync(join(etcd2.sslDir, 'admin-etcd2.pem')));
    });
  });
});
