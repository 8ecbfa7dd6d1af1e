/**
 * Worker processes of their own for the crash tests: the crash worker (test/support/crashWorker.ts)
 * that SIGKILLs itself at a named point, or the shipped worker (src/worker.ts), each on the test's
 * task queue and logging to its file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { testWorkerEnv } from './stack';

const WORKER = join(__dirname, '..', '..', 'src', 'worker.js');
const CRASH_WORKER = join(__dirname, 'crashWorker.js');

/** How a worker process ended: its signal, else its exit code. */
export const exited = (p: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) =>
    p.once('exit', (code, signal) => resolve(signal ?? code)),
  );

/**
 * For the describe block that calls it: a function that starts the crash worker when `killAt` names
 * a point, else the shipped worker (`env` adds to its environment). Whatever is still running after the block is SIGKILLed, so a test
 * that fails while waiting leaves no worker behind to keep mocha alive.
 */
export function useWorkerProcesses(): (
  address: string,
  taskQueue: string,
  logFile: string,
  killAt?: string,
  env?: NodeJS.ProcessEnv,
) => ChildProcess {
  const workers = new Set<ChildProcess>();
  after(() => {
    for (const w of workers) w.kill('SIGKILL');
  });
  return (address, taskQueue, logFile, killAt, env) => {
    const fd = openSync(logFile, 'a');
    const worker = spawn(
      process.execPath,
      killAt ? [CRASH_WORKER, killAt] : [WORKER],
      {
        stdio: ['ignore', fd, fd],
        env: {
          ...process.env,
          ...testWorkerEnv(),
          TEMPORAL_ADDRESS: address,
          TEMPORAL_TASK_QUEUE: taskQueue,
          ...env,
        },
      },
    );
    workers.add(worker);
    worker.once('exit', () => workers.delete(worker));
    return worker;
  };
}
