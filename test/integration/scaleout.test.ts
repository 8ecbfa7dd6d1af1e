/**
 * End to end on the real stack: Temporal dev server, etcd 3.4 processes, SSH test hosts.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { Lab } from '../../lab';
import { verifySnapshotFile } from '../../src/activities/backup';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import { outcome, startRaw, takePeerPortOnce } from '../support/runs';
import { getStack } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];

describe('scale-out on the real stack', () => {
  before(async () => {
    await getStack();
  });

  describe('3 -> 5 succeeds', () => {
    const lab = new Lab({ block: 21 });
    after(() => lab.stop());

    it('adds both members as voters, leaves no learner, keeps the data, and records the backup', async () => {
      await lab.start();
      const keys = await lab.seedKeys(200);
      const started = Date.now();
      const o = await outcome(await startRaw(lab.request()));
      if (!o.ok) assert.fail(o.message);
      const r = o.result;
      console.log(
        `      3 -> 5 took ${((Date.now() - started) / 1000).toFixed(1)}s; per member ms: ${JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, v.totalMs])))}`,
      );

      assert.equal(r.from, 3);
      assert.equal(r.to, 5);
      assert.deepEqual(r.membersBefore.map((m) => m.name).sort(), ORIGINAL);
      assert.deepEqual(r.membersAfter.map((m) => m.name).sort(), [
        ...ORIGINAL,
        'etcd4',
        'etcd5',
      ]);
      assert.ok(r.membersAfter.every((m) => !m.isLearner));
      assert.equal(r.etcdServers.length, 5);
      assert.ok(
        r.etcdServers.includes('http://127.0.21.14:2379') &&
          r.etcdServers.includes('http://127.0.21.15:2379'),
      );
      assert.ok(r.timings.etcd4.promotedAt && r.timings.etcd5.verifiedAt);
      assert.ok(
        Date.parse(r.timings.etcd4.verifiedAt!) <=
          Date.parse(r.timings.etcd5.startedAt!),
        'members join strictly one at a time',
      );

      // The backup is a real, verified etcd snapshot, taken before the first change.
      assert.ok(existsSync(r.backup.path));
      const v = await verifySnapshotFile(r.backup.path);
      assert.equal(v.sha256, r.backup.sha256);
      assert.ok(
        Number(r.backup.revision) >= 200,
        `revision ${r.backup.revision} covers the seeded keys`,
      );
      assert.ok(
        Date.parse(r.backup.takenAt) < Date.parse(r.timings.etcd4.addedAt!),
      );

      // The env file on the node: membership from the real list, state existing, Kubespray tuning kept.
      const env = parseEnvFile(lab.hosts[1].envFile()!);
      assert.equal(env.ETCD_INITIAL_CLUSTER_STATE, 'existing');
      assert.equal(env.ETCD_NAME, 'etcd5');
      assert.deepEqual(
        env.ETCD_INITIAL_CLUSTER.split(',').sort(),
        [...ORIGINAL, 'etcd4', 'etcd5']
          .map((n, i) => `${n}=http://127.0.21.${11 + i}:2380`)
          .sort(),
      );
      assert.equal(env.ETCD_HEARTBEAT_INTERVAL, '100');

      const problems = await lab.checkInvariants({
        members: [...ORIGINAL, 'etcd4', 'etcd5'],
        keys,
      });
      assert.deepEqual(problems, []);
    });
  });

  describe('rollback when the second new member cannot start', () => {
    const lab = new Lab({ block: 22 });
    let blocker: Server | undefined;
    after(async () => {
      blocker?.close();
      await lab.stop();
    });

    it('fails naming the step, and leaves the 3 original members healthy with their data', async () => {
      await lab.start();
      const keys = await lab.seedKeys(100);
      const envBefore = lab.hosts.map((h) => h.envFile());
      const handle = await startRaw(lab.request());
      blocker = await takePeerPortOnce(handle, lab.hosts[1]);
      const o = await outcome(handle);
      assert.equal(o.ok, false);
      if (o.ok) return;
      assert.equal(o.failure.type, 'ScaleOutFailed');
      assert.match(o.message, /failed in batch \(etcd5: startService\)/);
      assert.match(
        o.message,
        /undone: .*removed member etcd5.*removed member etcd4/,
      );
      assert.deepEqual(o.details.notUndone, []);

      assert.deepEqual(
        await lab.checkInvariants({ members: ORIGINAL, keys }),
        [],
      );
      // The canary's service is stopped and both nodes have their env files back.
      const active = await lab.hosts[0].ssh('systemctl is-active etcd || true');
      assert.equal(active.stdout.trim(), 'inactive');
      assert.deepEqual(
        lab.hosts.map((h) => h.envFile()),
        envBefore,
      );
      assert.ok(
        readdirSync(lab.hosts[0].dataDir).some((d) =>
          d.startsWith('member.quarantined-'),
        ),
        "the canary's data dir is moved aside",
      );
      assert.ok(!existsSync(join(lab.hosts[0].dataDir, 'member')));
    });
  });

  describe('stale data dir on a new host', () => {
    const lab = new Lab({ block: 23 });
    after(() => lab.stop());

    it('is refused with staleDataDir "fail", with no change to the cluster', async () => {
      await lab.start();
      const keys = await lab.seedKeys(20);
      await lab.hosts[0].seedForeignDataDir();
      const o = await outcome(
        await startRaw(lab.request({ strategy: { staleDataDir: 'fail' } })),
      );
      assert.equal(o.ok, false);
      if (o.ok) return;
      assert.equal(o.failure.type, 'StaleDataDir');
      assert.match(
        o.message,
        /newMembers\[0\] etcd4 .*stale data dir \/var\/lib\/etcd\/member \(wal-and-snap/,
      );
      assert.match(o.message, /nothing had changed/);
      assert.ok(
        existsSync(join(lab.hosts[0].dataDir, 'member')),
        'the stale dir is left where it was',
      );
      assert.deepEqual(
        await lab.checkInvariants({ members: ORIGINAL, keys }),
        [],
      );
    });

    it('is quarantined and the host joins cleanly with staleDataDir "quarantine"', async () => {
      const keys = await lab.seedKeys(20);
      const o = await outcome(
        await startRaw(
          lab.request({ strategy: { staleDataDir: 'quarantine' } }),
        ),
      );
      if (!o.ok) assert.fail(o.message);
      const moved = readdirSync(lab.hosts[0].dataDir).filter((d) =>
        d.startsWith('member.quarantined-'),
      );
      assert.equal(moved.length, 1, 'the old member/ is kept, moved aside');
      assert.ok(existsSync(join(lab.hosts[0].dataDir, moved[0], 'wal')));
      assert.deepEqual(
        await lab.checkInvariants({
          members: [...ORIGINAL, 'etcd4', 'etcd5'],
          keys,
        }),
        [],
      );
    });
  });
});
