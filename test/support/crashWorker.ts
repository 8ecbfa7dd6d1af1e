/**
 * The crash tests' worker process: the shipped worker, plus a checkpoint hook that SIGKILLs the
 * process the n-th time it reaches a named point (src/activities/checkpoints.ts).
 *   node dist/test/support/crashWorker.js <point>[@<n>]
 * Only the crash tests start it (crash.test.ts, and kubespray.test.ts's kill over TLS); the shipped
 * worker has no such hook.
 */
import { writeSync } from 'node:fs';
import {
  CHECKPOINTS,
  type Checkpoint,
  type CheckpointHook,
} from '../../src/activities/checkpoints';
import { runWorker } from '../../src/worker/run';

function killAt(target: string): CheckpointHook {
  const [point, occurrence = '1'] = target.split('@');
  if (!CHECKPOINTS.includes(point as Checkpoint))
    throw new Error(
      `unknown kill point ${point}; known: ${CHECKPOINTS.join(', ')}`,
    );
  const reached = new Map<Checkpoint, number>();
  return (name) => {
    const n = (reached.get(name) ?? 0) + 1;
    reached.set(name, n);
    if (name === point && n === Number(occurrence)) {
      writeSync(
        2,
        `etcd-scaleout: kill point ${target} reached, SIGKILL (pid ${process.pid})\n`,
      );
      process.kill(process.pid, 'SIGKILL');
    }
  };
}

const target = process.argv[2];
if (!target) {
  console.error('usage: crashWorker.js <kill point>[@<n>]');
  process.exit(2);
}
runWorker({ checkpoint: killAt(target) }).catch((err) => {
  console.error(err);
  process.exit(1);
});
