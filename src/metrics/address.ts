/**
 * A metrics listener's address setting, `host:port` with an IP host (the SDK's exporter binds the host
 * as given and refuses names). Unset means no listener: metrics are off by default.
 */

/** The worker's setting; the API's is API_METRICS_ADDRESS. */
export const METRICS_ADDRESS_SETTING = 'ETCD_SCALEOUT_METRICS_ADDRESS';

/** `host:port` checked, or undefined when unset; a bad value is an error naming the setting. */
export function metricsAddress(
  env: NodeJS.ProcessEnv = process.env,
  setting = METRICS_ADDRESS_SETTING,
): string | undefined {
  const value = env[setting]?.trim();
  if (!value) return undefined;
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(
    value,
  );
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535)
    throw new Error(
      `${setting} must be an IP address and a port (e.g. 127.0.0.1:9464), got ${JSON.stringify(value)}`,
    );
  return value;
}

/** host and port of a checked address (IPv6 without its brackets). */
export function hostAndPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return {
    host: address.slice(0, i).replace(/^\[|\]$/g, ''),
    port: Number(address.slice(i + 1)),
  };
}
