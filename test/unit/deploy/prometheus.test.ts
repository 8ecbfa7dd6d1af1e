/**
 * deploy/prometheus/ checked by the real promtool (Debian's prometheus package): the scrape config
 * and the alert rules are valid, the rules' unit tests (alerts.test.yml) pass, and every etcd_scaleout
 * series the rules read is one the product exports (src/metrics/catalog.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { METRICS } from '../../../src/metrics/catalog';
import { PROMTOOL } from '../../support/prometheus';

const DIR = join(__dirname, '../../../../deploy/prometheus');
const run = promisify(execFile);

async function promtool(...args: string[]): Promise<string> {
  assert.ok(
    existsSync(PROMTOOL),
    `${PROMTOOL} is missing: install Debian's prometheus package (scripts/setup.sh --tests)`,
  );
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd: DIR });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    assert.fail(
      `promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    );
  }
}

describe('deploy/prometheus with promtool', () => {
  it('the alert rules pass promtool check rules', async () => {
    assert.match(
      await promtool('check', 'rules', 'alerts.yml'),
      /SUCCESS: 8 rules found/,
    );
  });

  it('the scrape config passes promtool check config, with its rule file', async () => {
    const out = await promtool('check', 'config', 'prometheus.yml');
    assert.match(out, /SUCCESS: prometheus.yml is valid/);
    assert.match(out, /SUCCESS: 1 rule files found/);
  });

  it('the rules behave as alerts.test.yml says (promtool test rules)', async () => {
    assert.match(await promtool('test', 'rules', 'alerts.test.yml'), /SUCCESS/);
  });

  it('reads only series the product exports, or the SDK and Prometheus own', () => {
    const rules = readFileSync(join(DIR, 'alerts.yml'), 'utf8');
    const exported = new Set<string>(Object.values(METRICS).map((m) => m.name));
    const read = [...rules.matchAll(/\betcd_scaleout_[a-z_]+/g)].map(
      (m) => m[0],
    );
    assert.ok(read.length > 0);
    for (const name of read)
      assert.ok(exported.has(name), `${name} is not in src/metrics/catalog.ts`);
    for (const job of ['etcd-scaleout-worker', 'etcd-scaleout-api'])
      assert.match(
        readFileSync(join(DIR, 'prometheus.yml'), 'utf8'),
        new RegExp(`job_name: ${job}\\b`),
      );
  });
});
