/**
 * Activity metrics through the SDK's activity metric meter (names in src/metrics/catalog.ts); the SDK
 * adds `namespace`, `taskQueue` and `activityType`. Outside an activity (an activity called directly
 * by a test or a script) nothing is recorded.
 */
import { Context } from '@temporalio/activity';
import { type MetricMeter, noopMetricMeter } from '@temporalio/common';
import { WORKER_METRICS as M, meterName } from '../metrics/catalog';

function meter(): MetricMeter {
  try {
    return Context.current().metricMeter;
  } catch {
    return noopMetricMeter;
  }
}

/** A snapshot taken for `cluster`: its size and the time taken to take and verify it. */
export function backupTaken(
  cluster: string,
  sizeBytes: number,
  ms: number,
): void {
  const m = meter();
  m.createGauge(meterName(M.backupSize), 'int', 'By', M.backupSize.help).set(
    sizeBytes,
    { cluster },
  );
  m.createHistogram(
    meterName(M.backupDuration),
    'float',
    's',
    M.backupDuration.help,
  ).record(ms / 1000, {
    cluster,
  });
}
