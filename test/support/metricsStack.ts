/**
 * The metrics test's stack (test/integration/metrics.test.ts): the shipped worker and API server, each
 * its own process with metrics on, both targets up in a real Prometheus and the worker polling before
 * any run, so every series is scraped from its first value. Also a recorder of the values the test
 * reads, printed with its results.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lab/processes';
import { call, sleep } from './api';
import { startApiProcess } from './apiProcess';
import type { PrometheusServer } from './prometheus';
import type { useWorkerProcesses } from './workerProcesses';

export interface MetricsStackOptions {
  dir: string;
  temporalAddress: string;
  taskQueue: string;
  token: string;
  apiPort: number;
  workerMetrics: string;
  apiMetrics: string;
}

/** Starts the worker and the API (their logs in `dir`); returns once Prometheus sees both and the worker polls. */
export async function startMetricsStack(
  startWorker: ReturnType<typeof useWorkerProcesses>,
  prometheus: PrometheusServer,
  o: MetricsStackOptions,
): Promise<{ worker: ChildProcess; api: ChildProcess }> {
  const workerLog = join(o.dir, 'worker.log');
  const worker = startWorker(
    o.temporalAddress,
    o.taskQueue,
    workerLog,
    undefined,
    { ETCD_SCALEOUT_METRICS_ADDRESS: o.workerMetrics },
  );
  const apiLog = openSync(join(o.dir, 'api.log'), 'a');
  const api = startApiProcess({
    dir: o.dir,
    token: o.token,
    port: o.apiPort,
    temporalAddress: o.temporalAddress,
    env: {
      API_METRICS_ADDRESS: o.apiMetrics,
      TEMPORAL_TASK_QUEUE: o.taskQueue,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', apiLog, apiLog],
  });
  await waitFor(
    'both targets up in Prometheus',
    async () => {
      assert.equal(
        worker.exitCode,
        null,
        `the worker exited: ${readFileSync(workerLog, 'utf8')}`,
      );
      assert.equal(
        api.exitCode,
        null,
        `the API exited: ${readFileSync(join(o.dir, 'api.log'), 'utf8')}`,
      );
      const up = await prometheus.query('up == 1');
      return up.length === 2 || undefined;
    },
    60_000,
    500,
  );
  await waitFor(
    'the worker polling',
    async () =>
      readFileSync(workerLog, 'utf8').includes('metrics on http://') ||
      undefined,
  );
  return { worker, api };
}

/** Reads one value from Prometheus and keeps it, for the test's printed record of what it saw. */
export function valueRecorder(prometheus: PrometheusServer) {
  const seen: Record<string, number> = {};
  return {
    v: async (expr: string) => {
      seen[expr] = await prometheus.value(expr);
      return seen[expr];
    },
    print: () =>
      console.log(
        `      values seen:\n${Object.entries(seen)
          .map(([q, x]) => `        ${q} = ${x}`)
          .join('\n')}`,
      ),
  };
}

/** A scale-out started through the API and its status asked every 0.5 s until it ends; the requests made, counted. */
export async function scaleOutThroughApi(
  base: string,
  token: string,
  body: unknown,
): Promise<{
  id: string;
  /** The API's JSON, read field by field by the test. */
  status: any;
  requests: { start: number; status: number };
}> {
  const requests = { start: 0, status: 0 };
  const started = await call('POST', '/v1/scaleouts', { base, token, body });
  requests.start += 1;
  assert.equal(started.status, 201, started.text);
  const id: string = started.json.workflowId;
  for (const deadline = Date.now() + 300_000; ; ) {
    const r = await call('GET', `/v1/scaleouts/${encodeURIComponent(id)}`, {
      base,
      token,
    });
    requests.status += 1;
    assert.equal(r.status, 200, r.text);
    if (r.json.status !== 'RUNNING') return { id, status: r.json, requests };
    assert.ok(
      Date.now() < deadline,
      `the run did not end: ${r.text.slice(0, 2000)}`,
    );
    await sleep(500);
  }
}
