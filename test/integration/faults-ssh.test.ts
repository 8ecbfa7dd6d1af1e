/**
 * SSH faults, for real on its own lab (blocks 79-80, test/support/faults.ts): a connection dropped in
 * the middle of systemctl start, and a host key that changed between runs.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestHost } from '../../lab';
import {
  attemptsOf,
  failureOf,
  memberNames,
  ORIGINAL,
  secondsSince,
  succeeded,
  useFaultLabs,
} from '../support/faults';
import { printTimeline } from '../support/history';
import { assertInvariants } from '../support/invariants';
import { outcome, startRaw } from '../support/runs';
import { signal } from '../support/triggers';

/** Calls `action(pid)` as soon as the host's service pid file appears (the service is being started). */
function onServicePid<T>(
  host: TestHost,
  action: (pid: number) => T,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const pid = host.etcdPid();
      if (pid) {
        try {
          return resolve(action(pid));
        } catch (err) {
          return reject(err);
        }
      }
      if (Date.now() > deadline)
        return reject(
          new Error(`${host.options.name}: the service was never started`),
        );
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** PIDs of the test host's sshd processes that serve connections (descendants of the listener named sshd*). */
function sshdSessions(host: TestHost): number[] {
  const listener = Number(
    readFileSync(join(host.root, 'ssh', 'sshd.pid'), 'utf8').trim(),
  );
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      comm.set(Number(d), stat.slice(stat.indexOf('(') + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // exited while listing
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (
      let p = parent.get(pid), hops = 0;
      p && hops < 20;
      p = parent.get(p), hops++
    )
      if (p === listener) return true;
    return false;
  };
  return [...parent.keys()].filter(
    (pid) => isDescendant(pid) && comm.get(pid)!.startsWith('sshd'),
  );
}

describe('etcd and node faults on the real stack', () => {
  const newLab = useFaultLabs();

  it('6a. an SSH connection dropped in the middle of systemctl start is retried safely and the run completes', async () => {
    const lab = await newLab(79);
    const keys = await lab.seedKeys(30);
    const host = lab.hosts[0];
    const t0 = Date.now();
    let killed: number[] = [];
    // Hold `systemctl start` in flight (etcd stopped before it is ready), cut the connection, let etcd go on.
    const dropped = onServicePid(host, (pid) => {
      signal(pid, 'SIGSTOP');
      killed = sshdSessions(host);
      for (const s of killed) signal(s, 'SIGKILL');
      signal(pid, 'SIGCONT');
      return pid;
    });
    const handle = await startRaw(
      lab.request({ hosts: [host], strategy: { allowEvenSize: true } }),
    );
    await dropped;
    assert.ok(killed.length >= 1, 'an sshd session was serving the command');
    const r = succeeded(await outcome(handle));
    await printTimeline(handle);
    assert.deepEqual(r.membersAfter.map((m) => m.name).sort(), [
      ...ORIGINAL,
      'etcd4',
    ]);
    const starts = await attemptsOf(handle, 'startService');
    assert.equal(starts.length, 1);
    assert.ok(
      starts[0].attempt >= 2,
      `startService was retried: ${JSON.stringify(starts)}`,
    );
    assert.match(
      starts[0].lastFailure ?? '',
      /SshFailed|ssh .*(closed|ECONNRESET|reset|ended)/i,
    );
    await assertInvariants(lab, {
      members: [...ORIGINAL, 'etcd4'],
      keys,
      fault: 'SSH connection dropped mid-command',
      outcome: `killed ${killed.length} sshd session process(es) during systemctl start; retried (attempt ${starts[0].attempt}: "${starts[0].lastFailure}"), completed 3 -> 4`,
      startedAt: t0,
    });
  });

  it('6b. a host key that changed between runs is refused: HostKeyRejected in the preflight failure, nothing changes', async () => {
    const lab = await newLab(80);
    const keys = await lab.seedKeys(30);
    const t0 = Date.now();
    succeeded(
      await outcome(
        await startRaw(
          lab.request({
            hosts: [lab.hosts[0]],
            strategy: { allowEvenSize: true },
          }),
        ),
      ),
    );
    const target = lab.hosts[1];
    const envBefore = target.envFile();
    const before = await memberNames(lab);
    await target.changeHostKey();
    const t1 = Date.now();
    const o = failureOf(
      await outcome(await startRaw(lab.request({ hosts: [target] }))),
    );
    assert.equal(o.failure.type, 'PreflightFailed');
    assert.match(
      o.message,
      /newMembers\[0\] etcd5 \(127\.0\.80\.15\): HostKeyRejected: ssh root@\[127\.0\.80\.15\]:2222: host key does not match/,
    );
    assert.match(o.message, /nothing had changed/);
    assert.deepEqual(await memberNames(lab), before, 'member list unchanged');
    assert.equal(target.envFile(), envBefore);
    assert.ok(!existsSync(join(target.dataDir, 'member')));
    await assertInvariants(lab, {
      members: [...ORIGINAL, 'etcd4'],
      keys,
      fault: 'host key changed between runs',
      outcome: `first run 3 -> 4 completed; second run refused in preflight with HostKeyRejected in ${secondsSince(t1)}, nothing changed`,
      startedAt: t0,
    });
  });
});
