/**
 * replaceEtcdMember with its worker SIGKILLed at a named point (test/support/crashWorker.ts), then a
 * fresh shipped worker finishing the run, on one mTLS control-plane lab, in order:
 * 1. the healthy path, mid-join: right after etcd added the new member as a learner, before Temporal
 *    heard of it (addLearner:after-add): the fresh worker finds the learner its own (the add intent)
 *    and goes on; the follower replaced, n voters;
 * 2. the down path, right after the point of no return: etcd removed the lost member, Temporal has not
 *    heard (removeMemberById:after-remove): the fresh worker finds it gone (done, not an error) and
 *    joins the new member.
 * Each ends checking quorum, the member list, every apiserver's list, every env file and the keys.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdServersOf } from '../../src/domain/kubernetes/apiserverManifest';
import { assertApiservers, cpOf, MANIFEST } from '../support/controlPlane';
import { assertInvariants } from '../support/invariants';
import { recordTiming, useLab } from '../support/labs';
import {
  assertEnvFiles,
  hostNamed,
  leaderName,
  liveMembers,
  replaceRequest,
  startReplace,
} from '../support/replace';
import { outcome } from '../support/runs';
import { getStack } from '../support/stack';
import { exited, useWorkerProcesses } from '../support/workerProcesses';

const BLOCK = 221;

describe('replaceEtcdMember: worker SIGKILLed at a named point (mTLS, real kube-apiservers)', () => {
  const lab = useLab({ block: BLOCK, tls: true, controlPlane: true });
  const startWorkerProcess = useWorkerProcesses();
  let keys: Record<string, string>;
  before(async () => {
    await getStack();
    keys = await lab().seedKeys(30);
  });

  /**
   * Starts the replacement on a crash worker of its own task queue that dies at `point`, waits for the
   * SIGKILL, lets a fresh shipped worker finish, and returns the run's outcome.
   */
  async function crashAndFinish(
    request: Record<string, unknown>,
    point: string,
    name: string,
  ) {
    const { server } = await getStack();
    const taskQueue = `crash-replace-${name}`;
    const logFile = join(tmpdir(), `etcd-scaleout-crash-replace-${name}.log`);
    const first = startWorkerProcess(server.address, taskQueue, logFile, point);
    let second: ChildProcess | undefined;
    try {
      const handle = await startReplace(request, {
        taskQueue,
        workflowId: `crash-replace-${name}-${Date.now()}`,
      });
      // A run that ends before the point is reached says so instead of waiting for a kill.
      const ended = handle.result().then(
        () => 'the run completed on the first worker',
        (err) =>
          `the run failed on the first worker: ${err.cause?.message ?? err}`,
      );
      assert.equal(
        await Promise.race([exited(first), ended]),
        'SIGKILL',
        `the worker should die at ${point}; see ${logFile}`,
      );
      const killedAt = Date.now();
      second = startWorkerProcess(server.address, taskQueue, logFile);
      const o = await outcome(handle);
      console.log(
        `      killed at ${point}; the fresh worker ended the run ${((Date.now() - killedAt) / 1000).toFixed(1)}s later`,
      );
      return o;
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      if (second) await exited(second);
    }
  }

  /** The apiservers' list now, with `old` out and `added` appended (the order kept). */
  function swapped(old: string[], added: string): string[] {
    const cp = cpOf(lab());
    return [
      ...etcdServersOf(cp.manifest(cp.hosts[0]), MANIFEST).filter(
        (u) => !old.includes(u),
      ),
      added,
    ];
  }

  it('healthy path, killed mid-join (addLearner:after-add): a fresh worker finishes, the follower replaced', async () => {
    const leader = await leaderName(lab());
    const members = await liveMembers(lab());
    const old = members.find((m) => m.name !== leader);
    assert.ok(old);
    const etcd4 = hostNamed(lab(), 'etcd4');
    const lists = swapped(old.clientURLs, `https://${etcd4.address}:2379`);
    const request = await replaceRequest(lab(), old.name, etcd4);
    const started = Date.now();
    const o = await crashAndFinish(
      request,
      'addLearner:after-add@1',
      'healthy',
    );
    recordTiming(
      `replace ${old.name} (healthy) by etcd4, worker killed mid-join`,
      started,
    );
    if (!o.ok) assert.fail(`${o.failure.type}: ${o.message}`);
    const r = o.result;
    assert.equal(r.path, 'healthy');
    assert.deepEqual(r.replaced, { name: old.name, id: old.id });
    const after = [
      ...members.map((m) => m.name).filter((n) => n !== old.name),
      'etcd4',
    ];
    assert.deepEqual([...r.membersAfter].sort(), [...after].sort());
    assert.equal(r.removal?.removed, true, JSON.stringify(r.removal));
    assert.deepEqual(r.leftByHand, []);
    await assertApiservers(lab(), lists);
    await assertEnvFiles(lab());
    await assertInvariants(lab(), {
      members: after,
      keys,
      fault: 'replace (healthy), worker killed at addLearner:after-add',
      outcome: `${old.name} replaced by etcd4 on a fresh worker`,
      startedAt: started,
    });
  });

  it('down path, killed right after the removal (removeMemberById:after-remove): a fresh worker finds it gone and joins the new member', async () => {
    const members = await liveMembers(lab());
    const lost = members.find((m) =>
      lab().cluster.members.some((x) => x.name === m.name),
    );
    assert.ok(lost, 'a member the lab started is left');
    await lab().cluster.crashMember(lost.name, { wipeDataDir: true });
    const etcd5 = hostNamed(lab(), 'etcd5');
    const lists = swapped(lost.clientURLs, `https://${etcd5.address}:2379`);
    const request = await replaceRequest(lab(), lost.name, etcd5);
    const started = Date.now();
    const o = await crashAndFinish(
      request,
      'removeMemberById:after-remove@1',
      'down',
    );
    recordTiming(
      `replace ${lost.name} (down) by etcd5, worker killed after the removal`,
      started,
    );
    if (!o.ok) assert.fail(`${o.failure.type}: ${o.message}`);
    const r = o.result;
    assert.equal(r.path, 'down');
    assert.deepEqual(r.replaced, { name: lost.name, id: lost.id });
    // Removed by the killed worker's attempt: the retry found it gone, which counts as done.
    assert.equal(r.removal?.removed, false, JSON.stringify(r.removal));
    const after = [
      ...members.map((m) => m.name).filter((n) => n !== lost.name),
      'etcd5',
    ];
    assert.deepEqual([...r.membersAfter].sort(), [...after].sort());
    assert.deepEqual(r.leftByHand, []);
    await assertApiservers(lab(), lists);
    await assertEnvFiles(lab());
    await assertInvariants(lab(), {
      members: after,
      keys,
      fault: 'replace (down), worker killed at removeMemberById:after-remove',
      outcome: `${lost.name} found removed, etcd5 joined on a fresh worker`,
      startedAt: started,
    });
  });
});
