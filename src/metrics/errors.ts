/**
 * A metrics address setting that cannot be used: it names the variable (ETCD_SCALEOUT_METRICS_ADDRESS
 * for the worker, API_METRICS_ADDRESS for the API) and what is wrong with its value, so the process
 * stops at start in words of its own rather than binding something the operator did not mean.
 */
export class MetricsAddressError extends Error {
  constructor(
    readonly setting: string,
    readonly value: string,
    readonly problem: string,
  ) {
    super(
      `${setting} must be an IP address and a port (e.g. 127.0.0.1:9464), got ${JSON.stringify(value)}: ${problem}`,
    );
    this.name = 'MetricsAddressError';
  }
}
