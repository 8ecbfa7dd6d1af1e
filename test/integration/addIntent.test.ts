/**
 * The add intent and the scale-out lock on real etcd (block 176; Temporal asked for real whether a run
 * named in a record is alive): the intent is a compare-and-swap, a member added by hand around this
 * run's add is never counted as this run's (so its rollback leaves it in place), this run's own add is
 * still found after a lost answer, and a record the tool cannot read is named with its revisions and
 * the etcdctl commands.
 *
 * The activities are called directly, as in faults-memberId.test.ts: the run they record is given here.
 * The hand-made member is added by a real etcd client at the instant a race would put it: right after
 * the run's own member-list read (the reader below passes every call through, then adds it).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { Lab } from '../../lab';
import { sleep } from '../../lab/processes';
import { noCheckpoint } from '../../src/activities/checkpoints';
import { etcdClients, etcdConnector } from '../../src/activities/etcd/client';
import { createClusterReader } from '../../src/activities/etcd/inspect';
import {
  createLockActivities,
  temporalRunStatus,
} from '../../src/activities/etcd/lock';
import { createMembershipActivities } from '../../src/activities/etcd/membership';
import { intentKey, LOCK_KEY } from '../../src/activities/etcd/runRecords';
import { ErrorType } from '../../src/domain/errors';
import { getStack } from '../support/stack';

describe('add intents and the lock on real etcd', () => {
  const lab = new Lab({ block: 176, newHosts: 0 });
  const clients = etcdClients(etcdConnector());
  const reader = createClusterReader(clients);
  const me = { workflowId: 'intent-lab-176', runId: randomUUID() };
  let cluster: { name: string; endpoints: string[] };
  let runStatus: ReturnType<typeof temporalRunStatus>;
  let peers = 0;
  /** A fresh peer URL on the lab's block for each case (nothing listens there: the learner stays unstarted). */
  const nextPeer = () => `http://127.0.176.${30 + peers++}:2380`;

  const etcd = async <T>(
    fn: (c: ReturnType<typeof lab.cluster.client>) => Promise<T>,
  ): Promise<T> => {
    const c = lab.cluster.client();
    try {
      return await fn(c);
    } finally {
      c.close();
    }
  };
  /** `etcdctl member add --learner` by hand; a fresh cluster refuses adds for ~5 s. */
  const addByHand = async (peerURL: string): Promise<string> => {
    for (let i = 0; ; i++) {
      try {
        return (
          await etcd((c) =>
            c.cluster.memberAdd({ peerURLs: [peerURL], isLearner: true }),
          )
        ).member.ID;
      } catch (err) {
        if (i > 40) throw err;
        await sleep(500);
      }
    }
  };
  const memberIds = async (peerURL: string) =>
    (await etcd((c) => c.cluster.memberList({}))).members
      .filter((m) => m.peerURLs.includes(peerURL))
      .map((m) => m.ID);
  const removeByHand = async (id: string) =>
    etcd((c) => c.cluster.memberRemove({ ID: id }));
  const membership = (
    overrides: Partial<Parameters<typeof createMembershipActivities>[0]> = {},
  ) =>
    createMembershipActivities({
      clients,
      reader,
      checkpoint: noCheckpoint,
      currentRun: () => me,
      runStatus,
      ...overrides,
    });
  const refusal = (type: string, pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, type, err.message);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, pattern);
    return true;
  };

  before(async function () {
    this.timeout(180_000);
    const stack = await getStack();
    runStatus = temporalRunStatus(() => stack.client);
    await lab.start();
    cluster = { name: 'lab-176', endpoints: lab.cluster.endpoints };
    // Wait until the fresh cluster accepts adds.
    const probe = nextPeer();
    await removeByHand(await addByHand(probe));
  });
  // Whatever a case left (it failed half-way): no learner, no record, so the next case starts clean.
  afterEach(async () => {
    const { members } = await etcd((c) => c.cluster.memberList({}));
    for (const m of members.filter((x) => x.isLearner))
      await removeByHand(m.ID);
    await etcd((c) => c.delete().prefix('/etcd-scaleout/').exec());
  });
  after(() => lab.stop());

  it("a member added by hand after the run looked, before its add, is not taken as this run's, and its rollback leaves it in place", async () => {
    const peerURL = nextPeer();
    let handAdded = '';
    let reads = 0;
    // The real reader; right after the run's first look at the member list, someone adds the URL by hand.
    const racing = {
      ...reader,
      findByPeer: async (c: typeof cluster, url: string) => {
        const seen = await reader.findByPeer(c, url);
        if (reads++ === 0) handAdded = await addByHand(peerURL);
        return seen;
      },
    };
    const acts = membership({ reader: racing });
    await assert.rejects(
      acts.addLearner(cluster, { name: 'etcd4', peerURL }, {}),
      refusal(
        ErrorType.MemberNotOurs,
        /member \d+ \(unstarted, peer http:\/\/127\.0\.176\.\d+:2380, etcdctl ID [0-9a-f]+\) is in cluster lab-176 but was not added by this run \(it was added before this run's add intent was in place\)/,
      ),
    );
    // The rollback's remove: refused, the hand-made member stays.
    await assert.rejects(
      membership().removeMember(cluster, peerURL),
      refusal(
        ErrorType.MemberNotOurs,
        /this run claimed the add intent but never sent its add .*: left in place/,
      ),
    );
    assert.deepEqual(await memberIds(peerURL), [handAdded]);
    await removeByHand(handAdded);
  });

  it('a run stopped after claiming its intent does not take a member added by hand since as its own on retry; its own lost answer is still its own', async () => {
    const peerURL = nextPeer();
    const crashAt = (point: string) =>
      membership({
        checkpoint: (name) => {
          if (name === point) throw new Error(`worker killed at ${name}`);
        },
      });
    await assert.rejects(
      crashAt('addLearner:after-claim').addLearner(
        cluster,
        { name: 'etcd4', peerURL },
        {},
      ),
      /worker killed at addLearner:after-claim/,
    );
    const handAdded = await addByHand(peerURL);
    await assert.rejects(
      membership().addLearner(cluster, { name: 'etcd4', peerURL }, {}),
      refusal(
        ErrorType.MemberNotOurs,
        /this run claimed the add intent but never sent its add/,
      ),
    );
    assert.deepEqual(await memberIds(peerURL), [handAdded]);
    await removeByHand(handAdded);

    // The add sent, its answer lost (the worker dies right after): the retry finds its own member.
    await assert.rejects(
      crashAt('addLearner:after-add').addLearner(
        cluster,
        { name: 'etcd4', peerURL },
        {},
      ),
      /worker killed at addLearner:after-add/,
    );
    const retried = await membership().addLearner(
      cluster,
      { name: 'etcd4', peerURL },
      {},
    );
    assert.equal(retried.alreadyPresent, true);
    assert.deepEqual(await memberIds(peerURL), [retried.id]);
    assert.deepEqual(await membership().removeMember(cluster, peerURL), {
      removed: true,
      id: retried.id,
    });
    assert.equal(
      await etcd((c) => c.get(intentKey(peerURL)).string()),
      null,
      "the run's intent is dropped with its member",
    );
  });

  it("the add intent is a compare-and-swap: another run's (one Temporal does not know) or an unreadable one is never overwritten, and the refusal says who and how to clear it", async () => {
    const peerURL = nextPeer();
    const key = intentKey(peerURL);
    const other = {
      workflowId: `elsewhere-${randomUUID()}`,
      runId: randomUUID(),
    };
    const foreign = JSON.stringify({ ...other, member: 'etcd9', at: 'then' });
    await etcd((c) => c.put(key).value(foreign).exec());
    await assert.rejects(
      membership().addLearner(cluster, { name: 'etcd4', peerURL }, {}),
      refusal(
        ErrorType.ScaleOutLocked,
        new RegExp(
          `cluster lab-176: the add intent of ${peerURL} names workflow ${other.workflowId} \\(run ${other.runId}\\), which this Temporal namespace does not know .*etcdctl get ${key.replace(/[%/]/g, '\\$&')} -w json.*etcdctl del `,
        ),
      ),
    );
    assert.equal(await etcd((c) => c.get(key).string()), foreign);
    assert.deepEqual(await memberIds(peerURL), [], 'nothing was added');

    await etcd((c) => c.put(key).value('written by another tool').exec());
    const kv = (await etcd((c) => c.get(key).exec())).kvs[0];
    await assert.rejects(
      membership().addLearner(cluster, { name: 'etcd4', peerURL }, {}),
      refusal(
        ErrorType.ScaleOutLocked,
        new RegExp(
          `holds a value this version cannot read .* \\(create revision ${kv.create_revision}, mod revision ${kv.mod_revision}, version ${kv.version}\\): inspect it with \`etcdctl get `,
        ),
      ),
    );
    assert.equal(
      await etcd((c) => c.get(key).string()),
      'written by another tool',
    );
    assert.deepEqual(await memberIds(peerURL), [], 'nothing was added');
    await etcd((c) => c.delete().key(key).exec());
  });

  it('an unreadable lock refuses every run naming the key, its revisions and version, and the etcdctl commands', async () => {
    await etcd((c) => c.put(LOCK_KEY).value('{"owner":"someone"}').exec());
    const kv = (await etcd((c) => c.get(LOCK_KEY).exec())).kvs[0];
    const lock = createLockActivities({
      clients,
      currentRun: () => me,
      runStatus,
    });
    const expected = new RegExp(
      `cluster lab-176: the scale-out lock: /etcd-scaleout/lock holds a value this version cannot read .* \\(create revision ${kv.create_revision}, mod revision ${kv.mod_revision}, version ${kv.version}\\): inspect it with \`etcdctl get /etcd-scaleout/lock -w json\`; if no scale-out is running, delete it with \`etcdctl del /etcd-scaleout/lock\``,
    );
    assert.match(
      (await lock.readScaleOutLock(cluster)).refusal ?? '',
      expected,
    );
    await assert.rejects(
      lock.acquireScaleOutLock(cluster, 'T-1'),
      refusal(ErrorType.ScaleOutLocked, expected),
    );
    assert.equal(
      await etcd((c) => c.get(LOCK_KEY).string()),
      '{"owner":"someone"}',
    );
    await etcd((c) => c.delete().key(LOCK_KEY).exec());
  });
});
