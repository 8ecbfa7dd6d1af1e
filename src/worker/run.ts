/**
 * A worker process: its logger, its worker, until SIGINT/SIGTERM (the SDK's default shutdown
 * signals). Shared by the shipped entry point (src/worker.ts) and the crash tests' worker, which only
 * adds activity dependencies.
 */
import { Runtime } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { createSshRunner } from '../activities/node/ssh';
import { taskQueue } from '../config';
import { describeTemporalSettings } from '../temporal';
import { connectNativeConnection } from '../temporal/native';
import { createWorker } from './create';
import { workerLogger } from './logging';
import { metricsAddress, prometheusTelemetry } from './telemetry';

export async function runWorker(deps?: ActivityDeps): Promise<void> {
  const metrics = metricsAddress();
  Runtime.install({
    logger: workerLogger(),
    ...(metrics ? { telemetryOptions: prometheusTelemetry(metrics) } : {}),
  });
  // The worker owns its SSH connections: the pooled ones are closed once it has drained.
  const ssh = deps?.ssh ?? createSshRunner();
  const { connection, settings } = await connectNativeConnection();
  const worker = await createWorker({ connection, deps: { ...deps, ssh } });
  console.log(
    `etcd-scaleout worker: task queue ${taskQueue()} on ${describeTemporalSettings(settings)}${metrics ? `; metrics on http://${metrics}/metrics` : ''}`,
  );
  try {
    await worker.run();
  } finally {
    ssh.close?.();
  }
}
