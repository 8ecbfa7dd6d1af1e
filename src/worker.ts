/**
 * The worker process (`node dist/src/worker.js`): runs scaleOutEtcd and its activities. Reaches
 * Temporal by the TEMPORAL_* variables and temporal.toml profiles the Temporal CLI reads
 * (src/temporal: TEMPORAL_ADDRESS 127.0.0.1:7233, TEMPORAL_NAMESPACE default, TEMPORAL_TLS_*,
 * TEMPORAL_API_KEY(_FILE), TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE); its task queue is
 * TEMPORAL_TASK_QUEUE (etcd-scaleout). Its parts are in src/worker/; `createWorker` is re-exported for the tests and scripts
 * that run a worker in their own process.
 */
import { NamespaceMissingError } from './client/namespace';
import { MetricsAddressError } from './metrics/errors';
import { TemporalConnectError, TemporalSettingsError } from './temporal';
import { runWorker } from './worker/run';

export { createWorker, type WorkerOptions } from './worker/create';

if (require.main === module) {
  runWorker().catch((err) => {
    // The settings, the connection and the namespace fail in words of their own: no stack for those.
    const told =
      err instanceof MetricsAddressError ||
      err instanceof TemporalSettingsError ||
      err instanceof TemporalConnectError ||
      err instanceof NamespaceMissingError;
    console.error(
      told ? `etcd-scaleout worker: ${err.name}: ${err.message}` : err,
    );
    process.exit(1);
  });
}
