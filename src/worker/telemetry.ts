/**
 * The worker's Prometheus endpoint: the SDK runtime's exporter serves the SDK's own `temporal_*`
 * series and the product's (src/metrics/catalog.ts) on `ETCD_SCALEOUT_METRICS_ADDRESS`, `/metrics`.
 * Off when unset. The address is `host:port`; the host must be an IP address (the exporter binds it
 * as given), e.g. 127.0.0.1:9464, or 0.0.0.0:9464 for a Prometheus on another machine.
 */
import type { RuntimeOptions } from '@temporalio/worker';
import { workerHistogramBuckets } from '../metrics/catalog';

export { metricsAddress } from '../metrics/address';

/**
 * The runtime's telemetry options with the exporter on `bindAddress`: counters end in `_total` and
 * durations are in seconds (Prometheus' conventions), the product's histograms get their buckets.
 */
export function prometheusTelemetry(
  bindAddress: string,
): RuntimeOptions['telemetryOptions'] {
  return {
    metrics: {
      prometheus: {
        bindAddress,
        countersTotalSuffix: true,
        useSecondsForDurations: true,
        histogramBucketOverrides: workerHistogramBuckets(),
      },
    },
  };
}
