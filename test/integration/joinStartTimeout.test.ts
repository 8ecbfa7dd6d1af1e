/**
 * A joining member's start timeout on the real stack (lab blocks 260-262: 127.1.4-6.x): the new hosts' systemctl
 * stand-in gives a start no time at all unless a drop-in sets TimeoutStartSec (as systemd's 90 s is
 * too short for a learner that must first receive a 2 GB database), so a join succeeds only through the
 * runtime drop-in the start writes (src/activities/node/joinStart.ts), and afterwards, whether the join
 * succeeded or was rolled back, no drop-in is left on the node.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, TestHost } from '../../lab';
import { noCheckpoint } from '../../src/activities/checkpoints';
import { remote } from '../../src/activities/node/remote';
import { createServiceActivities } from '../../src/activities/node/service';
import { createSshRunner } from '../../src/activities/node/ssh';
import { JOIN_DROP_IN } from '../../src/domain/run/joinDropIn';
import {
  attemptsOf,
  failureOf,
  isActive,
  ORIGINAL,
  succeeded,
  useFaultLabs,
} from '../support/faults';
import { outcome, startRaw } from '../support/runs';

/** The host's runtime drop-ins of etcd.service, seen from outside (its /run is its own overlay). */
const runtimeDropIns = (host: TestHost): string[] => {
  const dir = join(host.node.runSystemd, 'system', 'etcd.service.d');
  return existsSync(dir) ? readdirSync(dir) : [];
};

/** No start fits in the stand-in's own timeout: only a drop-in lets etcd start. */
const noStartWithoutDropIn = (lab: Lab) => {
  for (const host of lab.hosts) host.node.setStartTimeout(0);
};

describe("a joining member's start timeout, raised for its first start", () => {
  const newLab = useFaultLabs();

  it('3 -> 5 completes on hosts where no start fits the default timeout, and leaves no drop-in', async () => {
    const lab = await newLab(260);
    noStartWithoutDropIn(lab);
    const o = succeeded(
      await outcome(
        await startRaw(lab.request({ strategy: { startTimeoutSeconds: 120 } })),
      ),
    );
    assert.deepEqual(o.membersAfter.map((m) => m.name).sort(), [
      ...ORIGINAL,
      'etcd4',
      'etcd5',
    ]);
    for (const host of lab.hosts)
      assert.deepEqual(runtimeDropIns(host), [], `${host.address}: no drop-in`);
    assert.equal(
      existsSync('/run/systemd/system'),
      false,
      "the machine's own /run was not written",
    );
    // The default is in force without the drop-in: a plain restart of etcd5 times out.
    const etcd5 = lab.hosts[1];
    await etcd5.ssh('systemctl stop etcd');
    await assert.rejects(
      etcd5.ssh('systemctl start etcd'),
      /failed because a timeout was exceeded/,
    );
  });

  it('a join whose start fails (its service exits at once) is rolled back and leaves no drop-in', async () => {
    const lab = await newLab(261);
    noStartWithoutDropIn(lab);
    const host = lab.hosts[0];
    // A variable etcd rejects at start (as in faults-newMember.test.ts): each start fails at once.
    await host.ssh("echo 'ETCD_SNAPSHOT_COUNT=lots' >> /etc/etcd.env");
    const handle = await startRaw(lab.request());
    const o = failureOf(await outcome(handle));
    assert.match(o.message, /failed in canary \(etcd4: startService\)/);
    assert.match(o.message, /invalid value "lots" for ETCD_SNAPSHOT_COUNT/);
    assert.ok(
      o.message.includes(`stopped etcd on ${host.address}`),
      `the undo stopped the service: ${o.message}`,
    );
    assert.deepEqual(o.details.notUndone, []);
    const starts = await attemptsOf(handle, 'startService');
    assert.equal(starts[starts.length - 1]?.attempt, 2, 'started twice');
    assert.equal(await isActive(host), 'inactive');
    for (const h of lab.hosts)
      assert.deepEqual(runtimeDropIns(h), [], `${h.address}: no drop-in`);
  });

  it("the undo's stop removes a drop-in a start left behind", async () => {
    const lab = await newLab(262, { newHosts: 1 });
    const host = lab.hosts[0];
    // As a start whose shell was killed before its trap ran would leave it.
    await host.ssh(
      `mkdir -p /run/systemd/system/etcd.service.d && printf '[Service]\\nTimeoutStartSec=600\\n' > /run/systemd/system/etcd.service.d/${JOIN_DROP_IN}`,
    );
    assert.deepEqual(runtimeDropIns(host), [JOIN_DROP_IN]);
    const ssh = createSshRunner();
    const service = createServiceActivities({
      remote: remote(ssh),
      checkpoint: noCheckpoint,
    });
    const target = {
      host: host.address,
      port: host.sshPort,
      user: 'root',
      privateKeyFile: lab.keys.privateKeyFile,
      knownHostsFile: lab.keys.knownHostsFile,
    };
    try {
      assert.deepEqual(await service.stopService(target, 'etcd'), {
        wasActive: false,
      });
    } finally {
      ssh.close?.();
    }
    assert.deepEqual(runtimeDropIns(host), []);
  });
});
