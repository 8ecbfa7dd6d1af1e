/**
 * Safety on the real stack (Temporal dev server, etcd, SSH test hosts; block 170): one scale-out per
 * cluster whatever the entry, a member this run did not add is never taken over nor removed, two new
 * members on one machine are refused, and an env file that is a mount point is written in place.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Lab } from '../../lab';
import { sleep } from '../../lab/processes';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import { approveSignal, rejectSignal } from '../../src/workflows/run/messages';
import { assertInvariants } from '../support/invariants';
import { outcome, startRaw, waitForProgress } from '../support/runs';
import { getStack } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const LOCK_KEY = '/etcd-scaleout/lock';

describe('safety on the real stack', () => {
  const lab = new Lab({ block: 170 });
  let keys: Record<string, string>;
  /** The first run of the lock test, closed once it has failed. */
  let firstRun: { workflowId: string; runId: string } | undefined;

  before(async function () {
    this.timeout(180_000);
    await getStack();
    await lab.start();
    keys = await lab.seedKeys(30);
  });
  after(() => lab.stop());

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
  const machineId = async (i: number) =>
    (await lab.hosts[i].ssh('cat /etc/machine-id')).stdout.trim();

  it('refuses two new members on one machine (one /etc/machine-id), before any change', async () => {
    const [id4, id5] = [await machineId(0), await machineId(1)];
    assert.notEqual(id4, id5, 'each lab host is its own machine');
    await lab.hosts[1].ssh(`printf '%s\\n' ${id4} > /etc/machine-id`);
    try {
      const o = await outcome(await startRaw(lab.request()));
      assert.ok(!o.ok, 'the run is refused');
      assert.equal(o.failure.type, 'PreflightFailed');
      assert.match(
        o.message,
        new RegExp(
          `newMembers etcd4 \\(127\\.0\\.170\\.14\\) and etcd5 \\(127\\.0\\.170\\.15\\) are one machine \\(/etc/machine-id ${id4}\\)`,
        ),
      );
      assert.match(o.message, /nothing had changed/);
    } finally {
      await lab.hosts[1].ssh(`printf '%s\\n' ${id5} > /etc/machine-id`);
    }
    await assertInvariants(lab, { members: ORIGINAL, keys });
  });

  it('one scale-out per cluster: a second run (another ticket) is refused naming the first; a member the first did not add is neither taken over nor removed', async () => {
    const first = await startRaw(
      lab.request({
        ticket: { id: 'SAFE-A', requestedBy: 'lab' },
        strategy: { approval: 'after-canary' },
      }),
      `safety-first-${randomUUID()}`,
    );
    firstRun = {
      workflowId: first.workflowId,
      runId: (await first.describe()).runId,
    };
    await waitForProgress(
      first,
      (p) => p.phase === 'approval',
      'the first run waiting for approval',
    );
    const lock = await etcd((c) => c.get(LOCK_KEY).string());
    assert.match(
      lock ?? '',
      new RegExp(first.workflowId),
      'the lock names the first run',
    );

    // The second run, with another ticket, straight through Temporal (no API, no client-side guard).
    const second = await outcome(
      await startRaw(
        lab.request({
          ticket: { id: 'SAFE-B', requestedBy: 'lab' },
          hosts: [lab.hosts[1]],
        }),
        `safety-second-${randomUUID()}`,
      ),
    );
    assert.ok(!second.ok, 'the second run is refused');
    assert.equal(second.failure.type, 'PreflightFailed');
    assert.match(
      second.message,
      new RegExp(
        `cluster lab-170 is being scaled out by workflow ${first.workflowId} \\(run [0-9a-f-]+\\), ticket SAFE-A, since `,
      ),
    );

    // Someone adds etcd5's peer URL by hand while the first run waits (etcd refuses adds for ~5 s after a promotion).
    const peer5 = 'http://127.0.170.15:2380';
    let handAdded = '';
    for (let i = 0; !handAdded; i++) {
      try {
        handAdded = (
          await etcd((c) =>
            c.cluster.memberAdd({ peerURLs: [peer5], isLearner: true }),
          )
        ).member.ID;
      } catch (err) {
        if (i > 30) throw err;
        await sleep(1_000);
      }
    }

    await first.signal(approveSignal, {
      approve: true,
      by: 'lab',
      reason: 'go on',
    });
    const o = await outcome(first);
    assert.ok(!o.ok, 'the first run fails instead of taking the member over');
    assert.equal(o.failure.type, 'MemberNotOurs');
    assert.match(
      o.message,
      new RegExp(
        `failed in batch \\(etcd5: addLearner\\): MemberNotOurs: member ${handAdded} \\(unstarted, peer ${peer5}, etcdctl ID [0-9a-f]+\\) is in cluster lab-170 but was not added by this run \\(no add intent names it\\)`,
      ),
    );
    assert.match(o.message, /undone: .*removed member etcd4/);
    assert.equal(o.details.notUndone.length, 1);
    assert.match(
      o.details.notUndone[0],
      /^undo etcd5: MemberNotOurs: member .* left in place$/,
    );

    const members = await etcd((c) => c.cluster.memberList({}));
    assert.ok(
      members.members.some((m) => m.ID === handAdded && m.isLearner),
      'the hand-added member is still there',
    );
    assert.deepEqual(
      members.members
        .filter((m) => m.name)
        .map((m) => m.name)
        .sort(),
      ORIGINAL,
    );
    assert.equal(
      await etcd((c) => c.get(LOCK_KEY).string()),
      null,
      'the lock is released after the rollback',
    );
    assert.equal(
      (
        await lab.hosts[1].ssh('systemctl is-active etcd || true')
      ).stdout.trim(),
      'inactive',
      "the run never started etcd5's service",
    );

    await etcd((c) => c.cluster.memberRemove({ ID: handAdded }));
    await assertInvariants(lab, { members: ORIGINAL, keys });
  });

  it('takes over the lock of a closed run, and writes an env file that is a mount point in place, its original kept', async () => {
    // A lock left by a run that is closed (the first run above, which failed): taken over.
    assert.ok(firstRun, 'the lock test ran first');
    await etcd((c) =>
      c
        .put(LOCK_KEY)
        .value(JSON.stringify({ ...firstRun, since: new Date().toISOString() }))
        .exec(),
    );

    // etcd4's /etc/etcd.env is a mount point (as a container's or a ConfigMap's is): rename onto it is refused.
    const host = lab.hosts[0];
    await host.ssh(
      'cp -p /etc/etcd.env /run/etcd-testhost/mounted.env && mount --bind /run/etcd-testhost/mounted.env /etc/etcd.env',
    );
    const original = (await host.ssh('cat /etc/etcd.env')).stdout;
    const refused = await host.ssh(
      'echo x > /etc/etcd.env.probe && mv /etc/etcd.env.probe /etc/etcd.env 2>&1; rm -f /etc/etcd.env.probe; true',
    );
    assert.match(
      refused.stdout,
      /busy/i,
      'the lab host refuses a rename onto the mounted env file',
    );

    const o = await outcome(
      await startRaw(
        lab.request({ hosts: [host], strategy: { allowEvenSize: true } }),
      ),
    );
    if (!o.ok) assert.fail(o.message);
    const env = parseEnvFile((await host.ssh('cat /etc/etcd.env')).stdout);
    assert.equal(env.ETCD_NAME, 'etcd4');
    assert.equal(env.ETCD_INITIAL_CLUSTER_STATE, 'existing');
    assert.match(
      (await host.ssh('cat /proc/self/mountinfo')).stdout,
      / \/etc\/etcd\.env /,
      'the env file is still the mount',
    );
    const saved = (await host.ssh('cat /etc/etcd.env.etcd-scaleout-*.bak'))
      .stdout;
    assert.equal(saved, original, 'the original is kept beside it');
    assert.equal(
      await etcd((c) => c.get(LOCK_KEY).string()),
      null,
      'the lock is released at the end',
    );
    await assertInvariants(lab, { members: [...ORIGINAL, 'etcd4'], keys });
  });

  it('an undo step that fails the same way each time is not retried, and the failure says what is left to do by hand', async () => {
    const host = lab.hosts[1];
    const handle = await startRaw(
      lab.request({ hosts: [host], strategy: { approval: 'after-canary' } }),
    );
    await waitForProgress(
      handle,
      (p) => p.phase === 'approval',
      'the canary etcd5 waiting for approval',
    );
    // The node's /etc turns read-only: putting the env file back can only fail, every time.
    await host.ssh('mount -o remount,ro /etc');
    try {
      const rejectedAt = Date.now();
      await handle.signal(rejectSignal, {
        approve: false,
        by: 'lab',
        reason: 'testing the undo',
      });
      const o = await outcome(handle);
      const seconds = (Date.now() - rejectedAt) / 1000;
      assert.ok(!o.ok, 'the run fails');
      assert.equal(o.failure.type, 'ApprovalRejected');
      assert.ok(
        seconds < 30,
        `the rollback ended in ${seconds.toFixed(1)} s, without retrying the refused step`,
      );
      assert.match(
        o.message,
        /undone: removed member etcd5 \(\d+\); stopped etcd on 127\.0\.170\.15; quarantined /,
      );
      assert.equal(o.details.notUndone.length, 1);
      assert.match(
        o.details.notUndone[0],
        /^undo etcd5: RemoteCommandRefused: restore env file on 127\.0\.170\.15 exited 1: .*Read-only file system.*; left to do by hand on 127\.0\.170\.15: cp -p -- \/etc\/etcd\.env\.etcd-scaleout-[^ ]+\.bak \/etc\/etcd\.env/s,
      );
    } finally {
      await host.ssh('mount -o remount,rw /etc');
    }
    await assertInvariants(lab, { members: [...ORIGINAL, 'etcd4'], keys });
  });
});
