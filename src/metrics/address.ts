/**
 * A metrics listener's address setting, `host:port` with an IP host (the SDK's exporter binds the host
 * as given and refuses names). Unset means no listener: metrics are off by default.
 */

import { MetricsAddressError } from './errors';

/** The worker's setting; the API's is API_METRICS_ADDRESS. */
export const METRICS_ADDRESS_SETTING = 'ETCD_SCALEOUT_METRICS_ADDRESS';

/** `host:port` checked, or undefined when unset; a bad value is a MetricsAddressError naming the setting. */
export function metricsAddress(
  env: NodeJS.ProcessEnv = process.env,
  setting = METRICS_ADDRESS_SETTING,
): string | undefined {
  const value = env[setting]?.trim();
  if (!value) return undefined;
  const problem = addressProblem(value);
  if (problem) throw new MetricsAddressError(setting, value, problem);
  return value;
}

/** What is wrong with `value` as `host:port` with an IP host, or undefined when nothing is. */
function addressProblem(value: string): string | undefined {
  const m = /^(.*):(\d+)$/.exec(value);
  if (!m || m[1] === '') return 'no port';
  if (m[1].includes(':') && !m[1].startsWith('['))
    return 'an IPv6 address goes in brackets ([::1]:9464)';
  if (!/^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])$/.test(m[1]))
    return `${m[1]} is not an IP address (the exporter binds the host as given and takes no names)`;
  const port = Number(m[2]);
  if (m[2].length > 5 || port < 1 || port > 65535)
    return `port ${m[2]} is not between 1 and 65535`;
  return undefined;
}

/** host and port of a checked address (IPv6 without its brackets). */
export function hostAndPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return {
    host: address.slice(0, i).replace(/^\[|\]$/g, ''),
    port: Number(address.slice(i + 1)),
  };
}
