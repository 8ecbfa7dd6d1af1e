/**
 * A member ID collision (the same peer URL removed and re-added within one second), for real on its
 * own lab (block 78, test/support/faults.ts): retried after >= 1 s, and the run succeeds.
 */
import assert from 'node:assert/strict';
import { sleep } from '../../lab/processes';
import {
  createEtcdActivities,
  etcdConnector,
} from '../../src/activities/etcd/activities';
import { memberNames, ORIGINAL, useFaultLabs } from '../support/faults';
import { assertInvariants } from '../support/invariants';

describe('etcd and node faults on the real stack', () => {
  const newLab = useFaultLabs();

  it('5. member ID collision: remove and re-add the same peer URL within one second is retried after >= 1 s and succeeds', async () => {
    const lab = await newLab(78);
    const keys = await lab.seedKeys(30);
    // Called directly, outside a workflow: the run these activities record in their add intents is
    // given here (inside a workflow it comes from the activity's context).
    const acts = createEtcdActivities({
      connect: etcdConnector(),
      currentRun: () => ({ workflowId: 'faults-lab-78', runId: 'direct-call' }),
    });
    const cluster = { name: 'lab-78', endpoints: lab.cluster.endpoints };
    const member = {
      name: 'etcd4',
      peerURL: `http://${lab.hosts[0].address}:2380`,
    };
    const t0 = Date.now();
    // Add at the beginning of a second, so add, remove and re-add fall in the same unix second. A fresh
    // cluster refuses adds for ~5 s after its members started ("unhealthy cluster"): try again then.
    let first: Awaited<ReturnType<typeof acts.addLearner>> | undefined;
    for (let tries = 0; !first; tries++) {
      while (Date.now() % 1000 > 50) await sleep(5);
      const second = Math.floor(Date.now() / 1000);
      try {
        const added = await acts.addLearner(cluster, member, {});
        // The add waits out "unhealthy cluster" inside its attempt (membership.ts): one that did has left
        // the second it was aligned to. Take it back and align again: the cluster now accepts adds at once.
        if (Math.floor(Date.now() / 1000) === second) first = added;
        else await acts.removeMember(cluster, member.peerURL);
      } catch (err) {
        if (tries > 60 || !/unhealthy/.test((err as Error).message)) throw err;
        await sleep(500);
      }
    }
    const removed = await acts.removeMember(cluster, member.peerURL);
    const reAddAt = Date.now();
    const second = await acts.addLearner(cluster, member, {});
    const tookMs = Date.now() - reAddAt;
    assert.deepEqual(removed, { removed: true, id: first.id });
    assert.equal(first.alreadyPresent, false);
    assert.equal(second.alreadyPresent, false);
    assert.notEqual(second.id, first.id, 'a new member ID');
    assert.ok(
      (second.idCollisions ?? 0) >= 1,
      `the re-add collided with the removed ID (same second): ${JSON.stringify(second)}`,
    );
    assert.ok(tookMs >= 1000, `retried after >= 1 s (took ${tookMs} ms)`);
    const learners = (await memberNames(lab)).filter((m) => m.isLearner);
    assert.deepEqual(
      learners.map((m) => m.id),
      [second.id],
    );
    // Clean up the unstarted learner, then the cluster must be as before.
    await acts.removeMember(cluster, member.peerURL);
    await assertInvariants(lab, {
      members: ORIGINAL,
      keys,
      fault: 'member ID collision',
      outcome: `re-add within the same second collided ${second.idCollisions}x, retried after ${tookMs} ms and succeeded with a new ID`,
      startedAt: t0,
    });
  });
});
