/**
 * A real Prometheus (Debian's `prometheus` package) for the metrics test: on loopback, its storage in
 * a temporary folder removed by stop(), scraping the given targets every second and evaluating the
 * given rule files, and its HTTP query API.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lab/processes';
import { testTempDir } from './tempDirs';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';
export const NO_PROMETHEUS = `${PROMETHEUS} is missing: install Debian's prometheus package (scripts/setup.sh --tests)`;

export interface ScrapeJob {
  job: string;
  targets: string[];
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export class PrometheusServer {
  private made?: string;
  private process?: ChildProcess;

  /**
   * Its folder, made on first use (start), not when the test file is loaded: a mocha process that loads
   * the file without running it (another file's run, --grep) left empty folders behind.
   */
  get dir(): string {
    this.made ??= testTempDir('etcd-scaleout-prometheus-');
    return this.made;
  }

  get logFile(): string {
    return join(this.dir, 'prometheus.log');
  }

  constructor(
    private readonly listen: string,
    private readonly jobs: ScrapeJob[],
    private readonly ruleFiles: string[] = [],
  ) {}

  get base(): string {
    return `http://${this.listen}`;
  }

  async start(): Promise<void> {
    assert.ok(existsSync(PROMETHEUS), NO_PROMETHEUS);
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      ...(this.ruleFiles.length
        ? [
            'rule_files:',
            ...this.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`),
          ]
        : []),
      'scrape_configs:',
      ...this.jobs.flatMap((j) => [
        `  - job_name: ${j.job}`,
        '    static_configs:',
        `      - targets: ${JSON.stringify(j.targets)}`,
      ]),
    ].join('\n');
    const configFile = join(this.dir, 'prometheus.yml');
    writeFileSync(configFile, `${config}\n`);
    const log = openSync(this.logFile, 'a');
    this.process = spawn(
      PROMETHEUS,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=${this.listen}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', log, log] },
    );
    await waitFor(
      `Prometheus ready on ${this.listen} (log ${this.logFile})`,
      async () => {
        assert.equal(
          this.process?.exitCode,
          null,
          `Prometheus exited; see ${this.logFile}`,
        );
        try {
          return (await fetch(`${this.base}/-/ready`)).ok || undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
      200,
    );
  }

  /** An instant query's vector. */
  async query(expr: string): Promise<Sample[]> {
    const res = await fetch(
      `${this.base}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data: {
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      };
    };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    assert.equal(body.data.resultType, 'vector', expr);
    return body.data.result.map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  }

  /** The one value of `expr` (a query that must give exactly one sample). */
  async value(expr: string): Promise<number> {
    const samples = await this.query(expr);
    assert.equal(samples.length, 1, `${expr}: ${JSON.stringify(samples)}`);
    return samples[0].value;
  }

  /** Stops the process (SIGTERM, SIGKILL after 10 s) and removes its folder, storage included. */
  async stop(): Promise<void> {
    const p = this.process;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.made) rmSync(this.made, { recursive: true, force: true });
  }
}
