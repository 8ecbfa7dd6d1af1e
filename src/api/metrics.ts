/**
 * The API's own metrics: requests by route template, method and status, and their latency (names in
 * src/metrics/catalog.ts), in Prometheus' text format, written here (two series families need no
 * client library).
 *
 * Served on their own listener (API_METRICS_ADDRESS, off when unset), not as a route of the API: every
 * API route needs a bearer token whose roles start or decide runs, and Prometheus should hold no such
 * token; the listener serves only aggregate counts (route templates, never run IDs, clusters or
 * identities) and is bound to loopback or an address only the scraper reaches.
 */
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { hostAndPort } from '../metrics/address';
import { API_METRICS } from '../metrics/catalog';

const { apiRequests: REQUESTS, apiRequestDuration: DURATION } = API_METRICS;

type Labels = Record<string, string>;

/** Label values escaped as the text format asks (backslash, quote, newline). */
const escapeValue = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Labels): string => {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${escapeValue(v)}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
};

interface HistogramSeries {
  labels: Labels;
  /** Per bucket bound (cumulative when written). */
  counts: number[];
  sum: number;
  count: number;
}

export class ApiMetrics {
  private readonly requests = new Map<
    string,
    { labels: Labels; value: number }
  >();
  private readonly durations = new Map<string, HistogramSeries>();

  /** One answered request; `seconds` from its arrival to its answer. */
  observe(
    route: string,
    method: string,
    status: number,
    seconds: number,
  ): void {
    const counted = { route, method, status: String(status) };
    const key = JSON.stringify(counted);
    const r = this.requests.get(key) ?? { labels: counted, value: 0 };
    r.value += 1;
    this.requests.set(key, r);
    const timed = { route, method };
    const tkey = JSON.stringify(timed);
    const h = this.durations.get(tkey) ?? {
      labels: timed,
      counts: DURATION.buckets.map(() => 0),
      sum: 0,
      count: 0,
    };
    DURATION.buckets.forEach((bound, i) => {
      if (seconds <= bound) h.counts[i] += 1;
    });
    h.sum += seconds;
    h.count += 1;
    this.durations.set(tkey, h);
  }

  /** All series in Prometheus' text exposition format 0.0.4. */
  text(): string {
    const lines = [
      `# HELP ${REQUESTS.name} ${REQUESTS.help}`,
      `# TYPE ${REQUESTS.name} counter`,
      ...[...this.requests.values()].map(
        (r) => `${REQUESTS.name}${labelText(r.labels)} ${r.value}`,
      ),
      `# HELP ${DURATION.name} ${DURATION.help}`,
      `# TYPE ${DURATION.name} histogram`,
    ];
    for (const h of this.durations.values()) {
      DURATION.buckets.forEach((bound, i) => {
        lines.push(
          `${DURATION.name}_bucket${labelText({ ...h.labels, le: String(bound) })} ${h.counts[i]}`,
        );
      });
      lines.push(
        `${DURATION.name}_bucket${labelText({ ...h.labels, le: '+Inf' })} ${h.count}`,
        `${DURATION.name}_sum${labelText(h.labels)} ${h.sum}`,
        `${DURATION.name}_count${labelText(h.labels)} ${h.count}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}

/** Counts every answer of `app`; register before the routes. Unmatched paths count as one route. */
export function countRequests(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
}

/** The metrics listener on a checked `host:port`: GET /metrics, everything else 404. */
export async function serveMetrics(
  metrics: ApiMetrics,
  address: string,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      });
      res.end(metrics.text());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: metrics are at GET /metrics\n');
    }
  });
  const { host, port } = hostAndPort(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
