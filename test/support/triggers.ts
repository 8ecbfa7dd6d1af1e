/**
 * Deterministic fault triggers for the tests: a line in a log file, and real signals to processes.
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';

/**
 * Calls `action` as soon as `re` appears in `file` after its current end (polled every 5 ms; the
 * run's own next step is at least an SSH round trip, a Temporal round trip and several etcd calls away).
 */
export function onLogLine<T>(
  file: string,
  re: RegExp,
  action: () => T,
  timeoutMs = 180_000,
): Promise<T> {
  let offset = existsSync(file) ? statSync(file).size : 0;
  let seen = '';
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      try {
        const size = existsSync(file) ? statSync(file).size : 0;
        if (size > offset) {
          const fd = openSync(file, 'r');
          const buf = Buffer.alloc(size - offset);
          readSync(fd, buf, 0, buf.length, offset);
          closeSync(fd);
          offset = size;
          seen = (seen + buf.toString('utf8')).slice(-4096);
          if (re.test(seen)) return resolve(action());
        }
      } catch (err) {
        return reject(err);
      }
      if (Date.now() > deadline)
        return reject(new Error(`${re} never appeared in ${file}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** A process that exists and is not a zombie (processes reparented to PID 1 may stay zombies for a while). */
export function running(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return (
      stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
    );
  } catch {
    return false;
  }
}

export function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** etcd's log line once it serves clients (3.4-3.5 and 3.6+ word it differently). */
const ETCD_READY = /ready to serve client requests|serving client traffic/;

/**
 * SIGSTOPs the host's etcd the moment it is ready: its service start succeeds, then it never answers
 * again. Resolves to the stopped process's pid.
 */
export function freezeEtcdWhenReady(host: {
  runDir: string;
  etcdPid(): number | undefined;
}): Promise<number> {
  return onLogLine(join(host.runDir, 'etcd.log'), ETCD_READY, () => {
    const pid = host.etcdPid()!;
    signal(pid, 'SIGSTOP');
    return pid;
  });
}

/**
 * Holds a learner in catch-up for real: SIGSTOPs its etcd the moment it is ready (its service start
 * succeeds), then writes keys through the cluster until the leader's log is well past what the learner
 * stored, so etcd refuses its promotion ("can only promote a learner member which is in sync with
 * leader") until it is SIGCONTed, or for good. A learner frozen with its log complete would be
 * promoted at once: etcd's rule is the leader's match index, not whether the learner answers.
 * Resolves to the stopped process's pid once the writes are done.
 */
export function freezeLearnerBehind(
  host: { runDir: string; etcdPid(): number | undefined },
  cluster: { client(): Etcd3 },
): Promise<number> {
  const etcd = cluster.client(); // connected before the learner is ready: the writes go out at once
  return freezeEtcdWhenReady(host)
    .then(async (pid) => {
      // The learner stored about the leader's index when it froze: past it by more than a ninth (etcd
      // promotes at 90 %), with a margin, so the refusal lasts.
      const { raftIndex } = await etcd.maintenance.status();
      const writes = Math.ceil(Number(raftIndex) / 5) + 20;
      await Promise.all(
        Array.from({ length: writes }, (_, i) =>
          etcd.put(`/etcd-scaleout-test/behind/${i}`).value('x'),
        ),
      );
      return pid;
    })
    .finally(() => etcd.close());
}
