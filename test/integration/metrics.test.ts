/**
 * Metrics on the real stack (issue 21): the shipped worker (its own process, metrics on
 * ETCD_SCALEOUT_METRICS_ADDRESS) and the shipped API server (API_METRICS_ADDRESS), scraped every second
 * by a real Prometheus that also evaluates deploy/prometheus/alerts.yml, during a 3 -> 5 started and
 * followed through the API (lab 121). Afterwards Prometheus' query API must show each product series
 * with the run's values, the recording rules' view of the run, and the SDK's own series the alerts use.
 * Then a scale-in through the API waits for approval (the waiting count) and is rejected (the failed
 * count by failure type, and the failed-run alert firing).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../../lab';
import { waitFor } from '../../lab/processes';
import { call, sleep } from '../support/api';
import {
  scaleOutThroughApi,
  startMetricsStack,
  valueRecorder,
} from '../support/metricsStack';
import { PrometheusServer } from '../support/prometheus';
import { scaleInRequest } from '../support/runs';
import { getStack } from '../support/stack';
import { testTempDir } from '../support/tempDirs';
import { exited, useWorkerProcesses } from '../support/workerProcesses';

const TASK_QUEUE = 'etcd-scaleout-metrics';
const WORKER_METRICS = '127.0.0.1:19464';
const API_METRICS = '127.0.0.1:19465';
const API_PORT = 18086;
const PROMETHEUS_AT = '127.0.0.1:19090';
const ALERTS = join(__dirname, '../../../deploy/prometheus/alerts.yml');
/** The phases of a 3 -> 5 with no approval gate and no control plane, in order. */
const PHASES = [
  'validate',
  'preflight',
  'backup',
  'canary',
  'verify',
  'batch',
  'memberEnvFiles',
  'done',
];

describe('metrics: Prometheus scrapes the worker and the API during a 3 -> 5', () => {
  const lab = new Lab({ block: 121 });
  // Made when the file's tests run (not when mocha loads the file), removed by the after hook.
  let dir = '';
  before(() => {
    dir = testTempDir('etcd-scaleout-metrics-test-');
  });
  const startWorker = useWorkerProcesses();
  const prometheus = new PrometheusServer(
    PROMETHEUS_AT,
    [
      { job: 'etcd-scaleout-worker', targets: [WORKER_METRICS] },
      { job: 'etcd-scaleout-api', targets: [API_METRICS] },
    ],
    [ALERTS],
  );
  let worker: ChildProcess | undefined;
  let api: ChildProcess | undefined;
  const token = randomBytes(24).toString('hex');
  const base = `http://127.0.0.1:${API_PORT}`;

  after(async () => {
    for (const p of [api, worker])
      if (p && p.exitCode === null && p.signalCode === null) {
        p.kill('SIGTERM');
        await exited(p);
      }
    await prometheus.stop();
    await lab.stop();
    rmSync(lab.dir, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs started 1, completed 1, a duration per phase, 2 joins, the backup, the API requests', async () => {
    const { server } = await getStack();
    await Promise.all([lab.start(), prometheus.start()]);

    ({ worker, api } = await startMetricsStack(startWorker, prometheus, {
      dir,
      temporalAddress: server.address,
      taskQueue: TASK_QUEUE,
      token,
      apiPort: API_PORT,
      workerMetrics: WORKER_METRICS,
      apiMetrics: API_METRICS,
    }));

    const { id, status, requests } = await scaleOutThroughApi(
      base,
      token,
      lab.request({ ticket: { id: 'OPS-METRICS-121' } }),
    );
    assert.equal(
      status.status,
      'COMPLETED',
      JSON.stringify(status).slice(0, 3000),
    );
    const backupBytes: number = status.progress.backup.sizeBytes;
    assert.ok(backupBytes > 0, JSON.stringify(status.progress.backup));

    // Until Prometheus has scraped the run's end and the last status request.
    const scraped = `etcd_scaleout_api_requests_total{route="/v1/scaleouts/:workflowId",method="GET",status="200"} == ${requests.status}`;
    await waitFor(
      'the last scrapes',
      async () =>
        ((await prometheus.query('etcd_scaleout_runs_completed_total'))
          .length === 1 &&
          (await prometheus.query(scraped)).length === 1) ||
        undefined,
      30_000,
      500,
    );
    await sleep(2_000); // the recording rules evaluated on the last scrape
    const { v, print } = valueRecorder(prometheus);
    const wf =
      'job="etcd-scaleout-worker",workflowType="scaleOutEtcd",taskQueue="etcd-scaleout-metrics"';

    assert.equal(await v(`etcd_scaleout_runs_started_total{${wf}}`), 1);
    assert.equal(await v(`etcd_scaleout_runs_completed_total{${wf}}`), 1);
    assert.deepEqual(
      await prometheus.query('etcd_scaleout_runs_failed_total'),
      [],
    );
    for (const phase of PHASES) {
      assert.equal(
        await v(
          `etcd_scaleout_phase_duration_seconds_count{${wf},phase="${phase}",outcome="ok"}`,
        ),
        1,
        phase,
      );
      assert.ok(
        (await v(
          `etcd_scaleout_phase_duration_seconds_sum{${wf},phase="${phase}"}`,
        )) >= 0,
        phase,
      );
    }
    const timedPhases = (
      await prometheus.query('etcd_scaleout_phase_duration_seconds_count')
    ).map((s) => s.metric.phase);
    assert.deepEqual(timedPhases.sort(), [...PHASES].sort());
    assert.equal(
      await v(`sum(etcd_scaleout_member_join_duration_seconds_count{${wf}})`),
      2,
    );
    assert.equal(
      await v(
        `etcd_scaleout_member_join_duration_seconds_count{${wf},stage="canary"}`,
      ),
      1,
    );
    assert.equal(
      await v(
        `etcd_scaleout_member_join_duration_seconds_count{${wf},stage="batch"}`,
      ),
      1,
    );
    assert.ok(
      (await v(`sum(etcd_scaleout_member_join_duration_seconds_sum{${wf}})`)) >
        0,
    );
    const backup = 'activityType="takeSnapshot",cluster="lab-121"';
    assert.equal(
      await v(`etcd_scaleout_backup_size_bytes{${backup}}`),
      backupBytes,
    );
    assert.equal(
      await v(`etcd_scaleout_backup_duration_seconds_count{${backup}}`),
      1,
    );
    assert.ok(
      (await v(`etcd_scaleout_backup_duration_seconds_sum{${backup}}`)) > 0,
    );
    // The run's phase-entered series, one per phase, and the rules' view: its current phase is done.
    const since = await prometheus.query(
      `etcd_scaleout_run_phase_since_timestamp_seconds{workflow_id="${id}"}`,
    );
    assert.deepEqual(
      since.map((s) => s.metric.phase).sort(),
      [...PHASES].sort(),
    );
    const current = await prometheus.query(
      `etcd_scaleout:run_current_phase_since{workflow_id="${id}"}`,
    );
    assert.deepEqual(
      current.map((s) => s.metric.phase),
      ['done'],
    );
    assert.equal(await v('etcd_scaleout:runs_open'), 0);
    assert.equal(await v('etcd_scaleout:runs_waiting_for_approval'), 0);

    // The API's requests: the start, every status poll, their latencies.
    const apiJob = 'job="etcd-scaleout-api"';
    assert.equal(
      await v(
        `etcd_scaleout_api_requests_total{${apiJob},route="/v1/scaleouts",method="POST",status="201"}`,
      ),
      1,
    );
    assert.equal(
      await v(
        `etcd_scaleout_api_requests_total{${apiJob},route="/v1/scaleouts/:workflowId",method="GET",status="200"}`,
      ),
      requests.status,
    );
    assert.equal(
      await v(
        `etcd_scaleout_api_request_duration_seconds_count{${apiJob},route="/v1/scaleouts/:workflowId",method="GET"}`,
      ),
      requests.status,
    );
    assert.ok(
      (await v(
        `etcd_scaleout_api_request_duration_seconds_sum{${apiJob},route="/v1/scaleouts",method="POST"}`,
      )) > 0,
    );

    // The SDK's own series, among them the one the no-worker alert reads; no alert fires.
    assert.ok(
      (await v(
        `sum(temporal_num_pollers{job="etcd-scaleout-worker",poller_type="workflow_task"})`,
      )) > 0,
    );
    assert.equal(
      await v(
        `sum(temporal_workflow_completed_total{job="etcd-scaleout-worker"})`,
      ),
      1,
    );
    assert.deepEqual(await prometheus.query('ALERTS{alertstate="firing"}'), []);

    const sdkSeries = (
      await prometheus.query(
        'count by (__name__) ({job="etcd-scaleout-worker",__name__=~"temporal_.*"})',
      )
    )
      .map((s) => s.metric.__name__)
      .sort();
    print();
    console.log(
      `      the SDK's own series (${sdkSeries.length}): ${sdkSeries.join(' ')}`,
    );
    assert.ok(
      !readFileSync(join(dir, 'api.log'), 'utf8').includes(token),
      'the token is not logged',
    );
  });

  it('a scale-in waiting for approval is counted as waiting; rejected, it fails as ApprovalRejected and the failed-run alert fires', async () => {
    assert.ok(worker && api, 'the first test started the worker and the API');
    // Lab 121 has five members now: 5 -> 3 (an even size is refused in preflight); nothing is
    // removed before the approval, which is rejected.
    const started = await call('POST', '/v1/scaleins', {
      base,
      token,
      body: scaleInRequest(lab, ['etcd4', 'etcd5'], {
        ticket: { id: 'OPS-METRICS-121-IN' },
        strategy: { approval: 'after-canary' },
      }),
    });
    assert.equal(started.status, 201, started.text);
    const id: string = started.json.workflowId;
    const { v, print } = valueRecorder(prometheus);
    let last = '';
    await waitFor(
      'Prometheus to see the run waiting for approval',
      async () => {
        const r = await call('GET', `/v1/scaleouts/${encodeURIComponent(id)}`, {
          base,
          token,
        });
        last = r.text.slice(0, 3000);
        assert.equal(r.json?.status, 'RUNNING', last);
        const waiting = await prometheus.query(
          'etcd_scaleout:runs_waiting_for_approval == 1',
        );
        return waiting.length === 1 || undefined;
      },
      60_000,
      500,
    ).catch(async (err) => {
      const since = await prometheus.query(
        'etcd_scaleout_run_phase_since_timestamp_seconds',
      );
      throw new Error(
        `${(err as Error).message}; the run: ${last}; phase series: ${JSON.stringify(since.map((x) => [x.metric.workflow_id, x.metric.phase, x.value]))}`,
      );
    });
    const current = await prometheus.query(
      `etcd_scaleout:run_current_phase_since{workflow_id="${id}"}`,
    );
    assert.deepEqual(
      current.map((s) => [s.metric.phase, s.metric.workflowType]),
      [['approval', 'scaleInEtcd']],
    );
    assert.equal(await v('etcd_scaleout:runs_open'), 1);

    const rejected = await call('POST', `/v1/scaleouts/${id}/reject`, {
      base,
      token,
      body: { by: 'api', reason: 'the metrics test' },
    });
    assert.equal(rejected.status, 200, rejected.text);
    const wf =
      'job="etcd-scaleout-worker",workflowType="scaleInEtcd",taskQueue="etcd-scaleout-metrics"';
    await waitFor(
      'Prometheus to see the rejected run failed',
      async () =>
        (
          await prometheus.query(
            `etcd_scaleout_runs_failed_total{${wf},failure_type="ApprovalRejected"} == 1`,
          )
        ).length === 1 || undefined,
      60_000,
      500,
    );
    await sleep(2_000); // the recording rules and alerts evaluated on that scrape
    assert.equal(await v(`etcd_scaleout_runs_started_total{${wf}}`), 1);
    assert.deepEqual(
      await prometheus.query(`etcd_scaleout_runs_completed_total{${wf}}`),
      [],
    );
    assert.equal(
      await v(
        `etcd_scaleout_phase_duration_seconds_count{${wf},phase="approval",outcome="failed"}`,
      ),
      1,
    );
    assert.equal(await v('etcd_scaleout:runs_waiting_for_approval'), 0);
    assert.equal(await v('etcd_scaleout:runs_open'), 0);
    const firing = await prometheus.query('ALERTS{alertstate="firing"}');
    assert.deepEqual(
      firing.map((s) => [
        s.metric.alertname,
        s.metric.workflowType,
        s.metric.failure_type,
      ]),
      [['EtcdScaleoutRunFailed', 'scaleInEtcd', 'ApprovalRejected']],
    );
    print();
  });
});
