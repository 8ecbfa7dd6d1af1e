/** The bench's worker: a real worker process (dist/src/worker.js), its start-up time and its peak RSS. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Linux's USER_HZ, the unit of /proc/PID/stat's times. */
const CLOCK_TICKS = 100;

export interface BenchWorker {
  process: ChildProcess;
  /** Spawn -> the worker's "task queue ... on ..." line (its bundle loaded, about to poll). */
  readyMs: number;
  /** VmHWM of the process so far, in MB. */
  peakRssMB(): number;
  /** CPU time (user + system) the process has used so far, in seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startWorker(
  address: string,
  taskQueue: string,
): Promise<BenchWorker> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [join(__dirname, '..', '..', 'src', 'worker.js')],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        // The bench sends whole requests (its labs have no profiles).
        ETCD_SCALEOUT_INLINE_SETTINGS: 'allow',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const readyMs = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/etcd-scaleout worker: task queue/.test(out))
        resolve(performance.now() - t0);
    });
    child.stderr!.resume();
    child.on('exit', (code) =>
      reject(
        new Error(
          `the worker exited (${code}) before it was ready: ${out.slice(-500)}`,
        ),
      ),
    );
  });
  child.stdout!.resume();
  return {
    process: child,
    readyMs,
    peakRssMB: () => {
      const m = /VmHWM:\s+(\d+) kB/.exec(
        readFileSync(`/proc/${child.pid}/status`, 'utf8'),
      );
      return m ? Number(m[1]) / 1024 : Number.NaN;
    },
    cpuSeconds: () => {
      // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the ")" that ends the name.
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
        .split(') ')[1]
        .split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
