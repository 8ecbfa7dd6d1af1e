/**
 * The removal activities on the real Kubespray-shaped mTLS lab (etcd 3.6): leadership moved away from
 * the leader (a no-op for a follower), then `member remove` by ID, refused when the ID now names
 * another peer URL, and idempotent (a removed member counts as done). The cluster then has one member
 * fewer, all healthy with one leader, and the seeded keys.
 */
import assert from 'node:assert/strict';
import { sleep } from '../../lab/processes';
import {
  createEtcdActivities,
  etcdConnector,
} from '../../src/activities/etcd/activities';
import { isExpectedWait } from '../../src/activities/etcd/errors';
import { ErrorType } from '../../src/domain/errors';
import { assertInvariants } from '../support/invariants';
import { recordTiming, useLab } from '../support/labs';

/** Retries an expected wait (etcd's strict reconfig refusal) every 0.5 s, as the workflow's policy does. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isExpectedWait(err)) throw err;
      await sleep(500);
    }
  }
}

describe('removal activities (real etcd, mTLS)', () => {
  const lab = useLab({ block: 211, tls: true, newHosts: 0 });

  it('moves leadership away from the leader, removes it by ID once, refuses a mismatched ID', async () => {
    const keys = await lab().seedKeys(20);
    const started = Date.now();
    const acts = createEtcdActivities({ connect: etcdConnector() });
    const cluster = lab().request().cluster as Parameters<
      typeof acts.inspectCluster
    >[0];
    const state = await acts.inspectCluster(cluster);
    const leader = state.members.find((m) => m.id === state.leaderId);
    const follower = state.members.find((m) => m.id !== state.leaderId);
    assert.ok(leader && follower);

    assert.deepEqual(await acts.moveLeaderAway(cluster, follower.id), {
      moved: false,
    });
    const moved = await acts.moveLeaderAway(cluster, leader.id);
    assert.equal(moved.moved, true);
    assert.equal(moved.from, leader.name);
    const after = await acts.inspectCluster(cluster);
    assert.ok(after.leaderId && after.leaderId !== leader.id, 'a new leader');

    // A stale plan: the ID with another member's peer URL is refused, nothing removed.
    await assert.rejects(
      acts.removeMemberById(cluster, {
        id: leader.id,
        name: leader.name,
        peerURL: follower.peerURLs[0],
      }),
      (err: Error & { type?: string }) =>
        err.type === ErrorType.MemberMismatch &&
        /not removing it/.test(err.message),
    );
    const planned = {
      id: leader.id,
      name: leader.name,
      peerURL: leader.peerURLs[0],
    };
    // Through the members that stay, as the workflow does.
    const staying = {
      ...cluster,
      endpoints: cluster.endpoints.filter(
        (e) => !leader.clientURLs.includes(e),
      ),
    };
    const until = Date.now() + 30_000;
    assert.deepEqual(
      await retried(() => acts.removeMemberById(staying, planned, until)),
      { removed: true },
    );
    assert.deepEqual(await acts.removeMemberById(staying, planned, until), {
      removed: false,
    });
    recordTiming('move leader + remove by ID', started);
    lab().cluster.stopMember(leader.name); // it exited by itself; the lab's record of it too
    await assertInvariants(lab(), {
      members: state.members
        .map((m) => m.name)
        .filter((n) => n !== leader.name),
      keys,
      fault: 'remove the leader by ID',
      outcome: `leadership moved ${moved.from} -> ${moved.to}, ${leader.name} removed`,
      startedAt: started,
    });
  });
});
