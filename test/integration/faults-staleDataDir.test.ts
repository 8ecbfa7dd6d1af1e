/**
 * Stale data dirs on the new host, made for real on its own lab (blocks 72-74, test/support/faults.ts):
 * from another cluster, from an earlier attempt, and from a node started as a new cluster.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { Lab } from '../../lab';
import { waitFor } from '../../lab/processes';
import {
  failureOf,
  memberNames,
  ORIGINAL,
  secondsSince,
  succeeded,
  useFaultLabs,
} from '../support/faults';
import { assertInvariants } from '../support/invariants';
import { outcome, startRaw } from '../support/runs';
import { running, signal } from '../support/triggers';

describe('etcd and node faults on the real stack', () => {
  const newLab = useFaultLabs();

  /** staleDataDir "fail" refuses with no change; "quarantine" moves member/ aside and the host joins. */
  async function staleBothWays(
    lab: Lab,
    keys: Record<string, string>,
    membersBefore: string[],
    kind: string,
    t0: number,
  ) {
    const host = lab.hosts[0];
    const before = await memberNames(lab);
    const refused = failureOf(
      await outcome(
        await startRaw(
          lab.request({
            hosts: [host],
            strategy: { staleDataDir: 'fail', allowEvenSize: true },
          }),
        ),
      ),
    );
    assert.equal(refused.failure.type, 'StaleDataDir');
    assert.match(refused.message, /failed in preflight/);
    assert.match(
      refused.message,
      /newMembers\[0\] etcd4 \(127\.0\.\d+\.14\): stale data dir \/var\/lib\/etcd\/member \(wal-and-snap: /,
    );
    assert.match(refused.message, /nothing had changed/);
    assert.deepEqual(
      await memberNames(lab),
      before,
      'no change to the cluster',
    );
    assert.ok(
      existsSync(join(host.dataDir, 'member', 'wal')),
      'the stale dir is left where it was',
    );
    const refusedAfter = secondsSince(t0);

    const joined = succeeded(
      await outcome(
        await startRaw(
          lab.request({
            hosts: [host],
            strategy: { staleDataDir: 'quarantine', allowEvenSize: true },
          }),
        ),
      ),
    );
    assert.deepEqual(
      joined.membersAfter.map((m) => m.name).sort(),
      [...membersBefore, 'etcd4'].sort(),
    );
    const moved = readdirSync(host.dataDir).filter((d) =>
      d.startsWith('member.quarantined-'),
    );
    assert.equal(
      moved.length,
      1,
      `the old member/ is kept, moved aside: ${readdirSync(host.dataDir).join(',')}`,
    );
    assert.ok(existsSync(join(host.dataDir, moved[0], 'wal')));
    await assertInvariants(lab, {
      members: [...membersBefore, 'etcd4'],
      keys,
      fault: `stale data dir (${kind})`,
      outcome: `"fail" refused in preflight with no change (at ${refusedAfter}); "quarantine" moved member/ aside and etcd4 joined`,
      startedAt: t0,
    });
  }

  it('3a. stale data dir from another cluster: "fail" refuses, "quarantine" recovers and joins', async () => {
    const lab = await newLab(72);
    const keys = await lab.seedKeys(30);
    const t0 = Date.now();
    await lab.hosts[0].seedForeignDataDir();
    await staleBothWays(lab, keys, ORIGINAL, "another cluster's state", t0);
  });

  it('3b. stale data dir from an earlier attempt in this cluster (added, removed, service stopped): "fail" refuses, "quarantine" recovers and joins', async () => {
    const lab = await newLab(73);
    const keys = await lab.seedKeys(30);
    const host = lab.hosts[0];
    const t0 = Date.now();
    succeeded(
      await outcome(
        await startRaw(
          lab.request({ hosts: [host], strategy: { allowEvenSize: true } }),
        ),
      ),
    );
    // Remove etcd4 behind the product's back, as an operator undoing a first attempt by hand would.
    const pid = host.etcdPid();
    const c = new Etcd3({ hosts: lab.cluster.endpoints, dialTimeout: 2000 });
    try {
      const { members } = await c.cluster.memberList({});
      await c.cluster.memberRemove({
        ID: members.find((m) => m.name === 'etcd4')!.ID,
      });
    } finally {
      c.close();
    }
    // etcd4 learns it was removed and exits 0 by itself; stop its service too, leaving its data dir.
    await waitFor(
      'the removed etcd4 to exit',
      async () => !running(pid),
      30_000,
    );
    assert.match(
      readFileSync(join(host.runDir, 'etcd.log'), 'utf8'),
      /permanently removed from the cluster/,
    );
    await host.ssh('systemctl stop etcd');
    await staleBothWays(
      lab,
      keys,
      ORIGINAL,
      'earlier attempt of this cluster',
      t0,
    );
  });

  it('3c. stale data dir from a node started with --initial-cluster-state new against this cluster: "fail" refuses, "quarantine" recovers and joins', async () => {
    const lab = await newLab(74);
    const keys = await lab.seedKeys(30);
    const host = lab.hosts[0];
    const t0 = Date.now();
    const peer = `http://${host.address}:2380`;
    const initialCluster = [
      ...lab.cluster.members.map((m) => `${m.name}=${m.peerURL}`),
      `etcd4=${peer}`,
    ].join(',');
    const started = await host.ssh(
      `nohup setsid /usr/local/bin/etcd --name etcd4 --data-dir /var/lib/etcd --listen-peer-urls ${peer} --initial-advertise-peer-urls ${peer} ` +
        `--listen-client-urls http://${host.address}:2379 --advertise-client-urls http://${host.address}:2379 --initial-cluster ${initialCluster} ` +
        '--initial-cluster-state new --initial-cluster-token k8s_etcd > /run/etcd-testhost/rogue.log 2>&1 < /dev/null & echo $!',
    );
    const rogue = Number(started.stdout.trim());
    try {
      // It bootstraps its own cluster (its own cluster ID) and is refused by every real member.
      await waitFor(
        'the rogue etcd4 to be refused for cluster ID mismatch',
        async () =>
          existsSync(join(host.dataDir, 'member', 'wal')) &&
          /cluster ID mismatch/.test(
            readFileSync(join(host.runDir, 'rogue.log'), 'utf8'),
          ),
        60_000,
      );
    } finally {
      signal(rogue, 'SIGTERM');
      await waitFor(
        'the rogue etcd4 to exit',
        async () => !running(rogue),
        15_000,
      ).catch(() => signal(rogue, 'SIGKILL'));
    }
    assert.deepEqual(
      (await memberNames(lab)).map((m) => m.name).sort(),
      ORIGINAL,
      'the rogue never became a member',
    );
    await staleBothWays(lab, keys, ORIGINAL, '--initial-cluster-state new', t0);
  });
});
