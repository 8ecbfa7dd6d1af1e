/**
 * The suite's real stack: one Temporal dev server (headless, in memory) and one in-process worker
 * with the real activities, started on first use and stopped after the suite.
 */

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { TemporalDevServer } from '../../lab';
import type { ProfileSettings } from '../../src/activities';
import { connectClient } from '../../src/client';
import { connectNativeConnection } from '../../src/temporal/native';
import { createWorker } from '../../src/worker';

export interface Stack {
  server: TemporalDevServer;
  client: Client;
  worker: Worker;
  taskQueue: string;
}

let stack: Promise<Stack> | undefined;
let running: Promise<void> | undefined;

export const TEST_TASK_QUEUE = 'etcd-scaleout-test';
export const TEST_TEMPORAL_PORT = Number(
  process.env.TEST_TEMPORAL_PORT || 7244,
);

/**
 * The test workers' cluster profiles: a folder of this suite's own (per Temporal port, so suites
 * running side by side keep theirs apart), and inline settings allowed, since most tests send whole
 * requests. profiles.test.ts writes profiles here and runs a worker that refuses inline settings.
 */
export const TEST_PROFILES: ProfileSettings = {
  dir: join(tmpdir(), `etcd-scaleout-test-profiles-${TEST_TEMPORAL_PORT}`),
  inlineSettings: 'allow',
};

/** The same settings for a worker in its own process (the shipped entry point reads its environment). */
export const testWorkerEnv = (): NodeJS.ProcessEnv => ({
  ETCD_SCALEOUT_PROFILES_DIR: TEST_PROFILES.dir,
  ETCD_SCALEOUT_INLINE_SETTINGS: TEST_PROFILES.inlineSettings,
});

/**
 * Activity retries and failures are expected in the tests (the ~5 s after a promotion, injected faults),
 * and the time-skipping test server lacks capabilities the SDK's core warns about: log errors only.
 */
export function installTestRuntime(): void {
  const level = (process.env.TEST_LOG_LEVEL as 'ERROR') || 'ERROR';
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      telemetryOptions: { logging: { filter: { core: level } } },
    });
  } catch {
    // Another test file created a worker first: the runtime is installed already, keep it.
  }
}

export function getStack(): Promise<Stack> {
  stack ??= (async () => {
    installTestRuntime();
    const server = new TemporalDevServer({
      port: TEST_TEMPORAL_PORT,
      headless: true,
      // Per port: a second lane of the suite (scripts/test.sh) runs its own dev server beside this one.
      logFile: join(
        tmpdir(),
        `etcd-scaleout-test-temporal-${TEST_TEMPORAL_PORT}.log`,
      ),
    });
    await server.start();
    const connection = (
      await connectNativeConnection({
        address: server.address,
      })
    ).connection;
    const worker = await createWorker({
      connection,
      taskQueue: TEST_TASK_QUEUE,
      deps: { profiles: TEST_PROFILES },
    });
    running = worker.run();
    const client = await connectClient({ address: server.address });
    return { server, client, worker, taskQueue: TEST_TASK_QUEUE };
  })();
  return stack;
}

export async function stopStack(): Promise<void> {
  if (!stack) return;
  const s = await stack;
  s.worker.shutdown();
  await running;
  await s.client.connection.close();
  await s.server.stop();
  stack = undefined;
}
