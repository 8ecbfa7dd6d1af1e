/**
 * The worker process (`node dist/src/worker.js`): runs scaleOutEtcd and its activities. Reads
 * TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default) and TEMPORAL_TASK_QUEUE
 * (etcd-scaleout). Its parts are in src/worker/; `createWorker` is re-exported for the tests and scripts
 * that run a worker in their own process.
 */
import { runWorker } from './worker/run';

export { createWorker, type WorkerOptions } from './worker/create';

if (require.main === module) {
  runWorker().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
