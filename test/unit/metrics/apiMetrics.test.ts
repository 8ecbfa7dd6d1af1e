/** The API's metrics text (src/api/metrics.ts) and the metrics address setting (src/metrics/address.ts). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiMetrics } from '../../../src/api/metrics';
import { hostAndPort, metricsAddress } from '../../../src/metrics/address';
import {
  METRICS,
  type MetricDefinition,
  meterName,
  workerHistogramBuckets,
} from '../../../src/metrics/catalog';
import { MetricsAddressError } from '../../../src/metrics/errors';

describe('metrics', () => {
  it('the API counts requests by route, method and status, and times them in cumulative buckets', () => {
    const m = new ApiMetrics();
    m.observe('/v1/scaleouts', 'POST', 201, 0.02);
    m.observe('/v1/scaleouts/:workflowId', 'GET', 200, 0.003);
    m.observe('/v1/scaleouts/:workflowId', 'GET', 200, 0.3);
    m.observe('unmatched', 'GET', 404, 0.001);
    const text = m.text();
    assert.match(text, /^# TYPE etcd_scaleout_api_requests_total counter$/m);
    assert.match(
      text,
      /^etcd_scaleout_api_requests_total\{route="\/v1\/scaleouts\/:workflowId",method="GET",status="200"\} 2$/m,
    );
    assert.match(
      text,
      /^etcd_scaleout_api_requests_total\{route="unmatched",method="GET",status="404"\} 1$/m,
    );
    const bucket = (le: string) =>
      new RegExp(
        `^etcd_scaleout_api_request_duration_seconds_bucket\\{route="/v1/scaleouts/:workflowId",method="GET",le="${le}"\\} (\\d+)$`,
        'm',
      ).exec(text)?.[1];
    assert.equal(bucket('0.005'), '1');
    assert.equal(bucket('0.25'), '1');
    assert.equal(bucket('0.5'), '2');
    assert.equal(bucket('\\+Inf'), '2');
    assert.match(
      text,
      /^etcd_scaleout_api_request_duration_seconds_count\{route="\/v1\/scaleouts\/:workflowId",method="GET"\} 2$/m,
    );
  });

  it('escapes label values as the text format asks', () => {
    const m = new ApiMetrics();
    m.observe('a"b\\c\nd', 'GET', 200, 0);
    assert.match(m.text(), /route="a\\"b\\\\c\\nd"/);
  });

  it('an address is off when unset, an IP and a port when set, and a bad one names the setting', () => {
    assert.equal(metricsAddress({}), undefined);
    assert.equal(
      metricsAddress({ ETCD_SCALEOUT_METRICS_ADDRESS: '127.0.0.1:9464' }),
      '127.0.0.1:9464',
    );
    assert.equal(
      metricsAddress({ ETCD_SCALEOUT_METRICS_ADDRESS: '[::1]:9465' }),
      '[::1]:9465',
    );
    assert.deepEqual(hostAndPort('[::1]:9465'), { host: '::1', port: 9465 });
    for (const [bad, problem] of [
      ['localhost:9464', /localhost is not an IP address/],
      ['127.0.0.1', /no port/],
      ['::1:9464', /IPv6 address goes in brackets/],
      ['127.0.0.1:0', /port 0 is not between 1 and 65535/],
      ['127.0.0.1:70000', /port 70000 is not between 1 and 65535/],
    ] as const)
      assert.throws(
        () =>
          metricsAddress({ API_METRICS_ADDRESS: bad }, 'API_METRICS_ADDRESS'),
        (err: unknown) => {
          assert.ok(err instanceof MetricsAddressError);
          assert.equal(err.name, 'MetricsAddressError');
          assert.equal(err.setting, 'API_METRICS_ADDRESS');
          assert.equal(err.value, bad);
          assert.match(err.problem, problem);
          assert.match(
            err.message,
            /^API_METRICS_ADDRESS must be an IP address and a port/,
          );
          return true;
        },
      );
    assert.throws(
      () => metricsAddress({ ETCD_SCALEOUT_METRICS_ADDRESS: 'x' }),
      (err: unknown) =>
        err instanceof MetricsAddressError &&
        err.setting === 'ETCD_SCALEOUT_METRICS_ADDRESS',
    );
  });

  it('names every metric once, counters with _total, the worker histograms with their buckets', () => {
    const names = Object.values(METRICS).map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
    for (const m of Object.values(METRICS) as MetricDefinition[]) {
      assert.match(m.name, /^etcd_scaleout_[a-z_]+$/);
      if (m.kind === 'counter') assert.match(m.name, /_total$/);
      if (m.unit === 's') assert.match(m.name, /_seconds$/);
    }
    assert.equal(meterName(METRICS.runsFailed), 'etcd_scaleout_runs_failed');
    assert.deepEqual(Object.keys(workerHistogramBuckets()).sort(), [
      'etcd_scaleout_apiserver_node_duration_seconds',
      'etcd_scaleout_backup_duration_seconds',
      'etcd_scaleout_member_join_duration_seconds',
      'etcd_scaleout_phase_duration_seconds',
    ]);
  });

  it('docs/metrics.md lists every metric', () => {
    const doc = readFileSync(
      join(__dirname, '../../../../docs/metrics.md'),
      'utf8',
    );
    for (const m of Object.values(METRICS) as MetricDefinition[])
      assert.ok(
        doc.includes(`\`${m.name}\``),
        `${m.name} is not in docs/metrics.md`,
      );
  });
});
