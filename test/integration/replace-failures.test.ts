/**
 * replaceEtcdMember when the replacement node cannot start (its /etc/etcd.env carries a value etcd
 * rejects, so etcd exits at once: a real ServiceStartFailed), on one mTLS control-plane lab, in order:
 * 1. the healthy path, before the point of no return: everything undone (the learner removed, its
 *    service stopped, its env file restored; the apiservers' lists as they were), the run fails
 *    saying what was undone, the cluster as it was;
 * 2. the down path, after the point of no return (the lost member is removed before the new one
 *    joins): the new member's join undone, the cluster healthy at n-1 with the lists of n-1, and the
 *    error names what is left to do and on which host.
 * Each ends checking quorum, the member list, every apiserver's list, every env file and the keys.
 */
import assert from 'node:assert/strict';
import type { TestHost } from '../../lab';
import { ErrorType } from '../../src/domain/errors';
import {
  assertApiservers,
  clientURL,
  clientURLs,
  cpOf,
} from '../support/controlPlane';
import { assertInvariants } from '../support/invariants';
import { recordTiming, useLab } from '../support/labs';
import {
  assertEnvFiles,
  hostNamed,
  leaderName,
  liveMembers,
  replaceRequest,
  runReplace,
} from '../support/replace';
import { getStack } from '../support/stack';

const BLOCK = 222;
/** The types a failed replacement may carry: its own, or its cause's. */
const FAILURE_TYPES: string[] = [
  ErrorType.ReplaceFailed,
  ErrorType.ServiceStartFailed,
];

/** A value etcd refuses at start (exit 1 in milliseconds); the run keeps the node's tuning values. */
async function breakEtcdStart(host: TestHost): Promise<string> {
  await host.ssh(
    "sed -i 's/^ETCD_SNAPSHOT_COUNT=.*/ETCD_SNAPSHOT_COUNT=lots/' /etc/etcd.env",
  );
  const env = host.envFile() ?? '';
  assert.match(env, /^ETCD_SNAPSHOT_COUNT=lots$/m);
  return env;
}

const isActive = async (host: TestHost) =>
  (await host.ssh('systemctl is-active etcd || true')).stdout.trim();

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('replaceEtcdMember: the replacement node cannot start (mTLS, real kube-apiservers)', () => {
  const lab = useLab({ block: BLOCK, tls: true, controlPlane: true });
  let keys: Record<string, string>;
  before(async () => {
    await getStack();
    keys = await lab().seedKeys(30);
  });

  it('healthy path, before the point of no return: everything undone, the lists as they were, the run says what was undone', async () => {
    const cp = cpOf(lab());
    const before = await liveMembers(lab());
    const leader = await leaderName(lab());
    const old = before.find((m) => m.name !== leader);
    assert.ok(old);
    const etcd4 = hostNamed(lab(), 'etcd4');
    const envBefore = await breakEtcdStart(etcd4);
    const manifests = cp.hosts.map((h) => cp.manifest(h));
    const started = Date.now();
    const o = await runReplace(await replaceRequest(lab(), old.name, etcd4));
    recordTiming(
      `replace ${old.name} (healthy) by etcd4 that cannot start: undone`,
      started,
    );
    assert.ok(!o.ok, 'the run fails');
    if (o.ok) return;
    console.log(`      ${o.failure.type}: ${o.message}`);
    assert.ok(
      FAILURE_TYPES.includes(o.failure.type ?? ''),
      `${o.failure.type}`,
    );
    assert.match(o.message, /ServiceStartFailed/);
    assert.match(
      o.message,
      /invalid value "lots" for ETCD_SNAPSHOT_COUNT/,
      "the operator sees etcd's own complaint",
    );
    const at = escaped(etcd4.address);
    assert.match(o.message, /failed in join \(etcd4: startService\)/);
    assert.match(
      o.message,
      new RegExp(
        `undone: removed member etcd4 \\(\\d+\\); stopped etcd on ${at}; env file /etc/etcd\\.env on ${at}`,
      ),
      'says what was undone, on which host',
    );
    assert.doesNotMatch(
      o.message,
      new RegExp(`${old.name} (was )?removed`),
      'the old member stays',
    );
    // Undone: the new member out of etcd, its service stopped, its env file back byte for byte.
    assert.deepEqual(
      await liveMembers(lab()),
      before,
      'the members as they were',
    );
    assert.equal(await isActive(etcd4), 'inactive');
    assert.equal(etcd4.envFile(), envBefore, 'env file restored byte for byte');
    // The apiservers' lists as they were (the swap comes after the join).
    assert.deepEqual(
      cp.hosts.map((h) => cp.manifest(h)),
      manifests,
      'every manifest as it was',
    );
    await assertApiservers(lab(), clientURLs(lab(), 3));
    await assertEnvFiles(lab());
    await assertInvariants(lab(), {
      members: before.map((m) => m.name),
      keys,
      fault: 'replacement cannot start (healthy path)',
      outcome: `${o.failure.type}, undone, ${old.name} stays`,
      startedAt: started,
    });
  });

  it('down path, after the point of no return: the new join undone, the cluster healthy at n-1, the error names what is left and where', async () => {
    const cp = cpOf(lab());
    const lost = (await liveMembers(lab())).find((m) => m.name === 'etcd2');
    assert.ok(lost);
    await lab().cluster.crashMember('etcd2', { wipeDataDir: true });
    const etcd5 = hostNamed(lab(), 'etcd5');
    const envBefore = await breakEtcdStart(etcd5);
    const request = await replaceRequest(lab(), 'etcd2', etcd5);
    const monitor = cp.monitor(100);
    const started = Date.now();
    const o = await runReplace(request);
    const report = await monitor.stop();
    recordTiming(
      'replace etcd2 (down) by etcd5 that cannot start: at n-1',
      started,
    );
    assert.ok(!o.ok, 'the run fails');
    if (o.ok) return;
    console.log(`      ${o.failure.type}: ${o.message}`);
    assert.ok(
      FAILURE_TYPES.includes(o.failure.type ?? ''),
      `${o.failure.type}`,
    );
    assert.match(o.message, /ServiceStartFailed/);
    const at = escaped(etcd5.address);
    assert.match(o.message, /failed in join \(etcd5: startService\)/);
    assert.match(
      o.message,
      new RegExp(
        `undone: removed member etcd5 \\(\\d+\\); stopped etcd on ${at}`,
      ),
      "the new member's join undone",
    );
    assert.match(
      o.message,
      new RegExp(
        `past the point of no return: etcd2 \\(ID ${lost.id}, ${escaped(lost.peerURLs[0])}\\) was removed and stays removed`,
      ),
      'names the member removed',
    );
    assert.match(o.message, /the cluster has 2 members/);
    assert.match(
      o.message,
      new RegExp(`left to do: join a replacement .*\\[etcd5\\] on ${at}`),
      'names what is left and the host',
    );
    // The join undone; etcd2 stays removed (never re-added): 2 members, both healthy.
    const after = await liveMembers(lab());
    assert.deepEqual(after.map((m) => m.name).sort(), ['etcd1', 'etcd3']);
    assert.ok(!after.some((m) => m.id === lost.id));
    assert.equal(await isActive(etcd5), 'inactive');
    assert.equal(etcd5.envFile(), envBefore, 'env file restored byte for byte');
    // The apiservers list the two members left (etcd2 went out before its removal).
    await assertApiservers(lab(), [clientURL(lab(), 0), clientURL(lab(), 2)]);
    assert.ok(report.maxNotReady <= 1, 'one apiserver down at a time');
    await assertEnvFiles(lab());
    await assertInvariants(lab(), {
      members: ['etcd1', 'etcd3'],
      keys,
      fault: 'replacement cannot start (down path)',
      outcome: `${o.failure.type}, etcd2 removed, etcd5's join undone, 2 members healthy`,
      startedAt: started,
    });
  });
});
