/**
 * A worker process: its logger, its worker, until SIGINT/SIGTERM (the SDK's default shutdown
 * signals). Shared by the shipped entry point (src/worker.ts) and the crash tests' worker, which only
 * adds activity dependencies.
 */
import { Runtime } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { taskQueue, temporalAddress, temporalNamespace } from '../config';
import { createWorker } from './create';
import { workerLogger } from './logging';

export async function runWorker(deps?: ActivityDeps): Promise<void> {
  Runtime.install({ logger: workerLogger() });
  const worker = await createWorker({ deps });
  console.log(
    `etcd-scaleout worker: task queue ${taskQueue()} on ${temporalAddress()} namespace ${temporalNamespace()}`,
  );
  await worker.run();
}
