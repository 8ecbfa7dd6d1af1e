/**
 * The TLS settings of every way the project deploys Temporal, held to the lab's (lab/temporalPki.ts),
 * which production-temporal.test.ts and production-guide.test.ts run over mutual TLS: the server's
 * TEMPORAL_SERVER_TLS_* variables are exactly those deploy/temporal/config.yaml reads, in
 * docker-compose.yml's temporal service and in install.sh's env file for the temporal-server unit;
 * the product's clients (compose's worker, API and namespace job; install.sh's env file for the
 * worker and API units) get the same TEMPORAL_TLS_* variables the lab gives its workers, API and CLI.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TemporalPki } from '../../../lab/temporalPki';

const ROOT = join(__dirname, '..', '..', '..', '..');
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');
const lab = new TemporalPki('/nonexistent');
const serverVars = Object.keys(lab.serverEnv).sort();
const clientVars = Object.keys(lab.clientEnv).sort();

/** docker-compose.yml with its YAML merge keys (`<<: *temporal-client-env`) resolved. */
function composeEnv(service: string): Record<string, string> {
  const compose = parse(read('docker-compose.yml'), { merge: true });
  const env = compose.services?.[service]?.environment;
  assert.ok(env, `docker-compose.yml has no environment for ${service}`);
  return env;
}

/** The variable names install.sh prints into its env files (printf 'NAME=%s\n...'). */
function installShVars(prefix: string): string[] {
  const names = new Set<string>();
  for (const m of read('deploy', 'systemd', 'install.sh').matchAll(
    /(?:^|\\n|')([A-Z_]+)=%s/g,
  ))
    if (m[1].startsWith(prefix)) names.add(m[1]);
  return [...names].sort();
}

describe('Temporal TLS settings of compose, systemd and the lab', () => {
  it("config.yaml reads exactly the lab's TEMPORAL_SERVER_TLS_* variables", () => {
    const read_ = [
      ...read('deploy', 'temporal', 'config.yaml').matchAll(
        /env "(TEMPORAL_SERVER_TLS_[A-Z_]+)"/g,
      ),
    ].map((m) => m[1]);
    assert.deepEqual([...new Set(read_)].sort(), serverVars);
  });

  it("compose's temporal service and install.sh's server env file set them all", () => {
    const env = composeEnv('temporal');
    assert.deepEqual(
      Object.keys(env)
        .filter((k) => k.startsWith('TEMPORAL_SERVER_TLS_'))
        .sort(),
      serverVars,
    );
    assert.deepEqual(installShVars('TEMPORAL_SERVER_TLS_'), serverVars);
  });

  it("the product's clients in compose and install.sh get the lab's client TLS variables", () => {
    for (const service of ['worker', 'api', 'temporal-namespace']) {
      const env = composeEnv(service);
      assert.deepEqual(
        Object.keys(env)
          .filter((k) => k.startsWith('TEMPORAL_TLS_'))
          .sort(),
        clientVars,
        service,
      );
      // One server name for the server's certificate and its clients.
      assert.equal(
        env.TEMPORAL_TLS_SERVER_NAME,
        composeEnv('temporal').TEMPORAL_SERVER_TLS_SERVER_NAME,
        service,
      );
    }
    assert.deepEqual(installShVars('TEMPORAL_TLS_'), clientVars);
  });
});
