/**
 * The worker: runs scaleOutEtcd and its activities. Reads TEMPORAL_ADDRESS (127.0.0.1:7233),
 * TEMPORAL_NAMESPACE (default) and TEMPORAL_TASK_QUEUE (etcd-scaleout).
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { keepAlive } from './activities/liveness';
import { taskQueue, temporalAddress, temporalNamespace } from './config';

export async function createWorker(options: { connection?: NativeConnection; address?: string; namespace?: string; taskQueue?: string; deps?: ActivityDeps } = {}): Promise<Worker> {
  const connection = options.connection ?? (await NativeConnection.connect({ address: options.address ?? temporalAddress() }));
  return Worker.create({
    connection,
    namespace: options.namespace ?? temporalNamespace(),
    taskQueue: options.taskQueue ?? taskQueue(),
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities(options.deps),
    // Every activity heartbeats while it runs: a killed worker's activity is retried after heartbeatTimeout.
    interceptors: { activity: [keepAlive] },
  });
}

if (require.main === module) {
  createWorker()
    .then((worker) => {
      console.log(`etcd-scaleout worker: task queue ${taskQueue()} on ${temporalAddress()} namespace ${temporalNamespace()}`);
      return worker.run();
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
