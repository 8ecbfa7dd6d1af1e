/**
 * docs/production.md's systemd path, step by step, as a new SRE on a host without systemd would run it:
 * deploy/systemd/install.sh (twice: it is idempotent) under a root prefix (nothing on this machine's
 * own /etc, /usr, /opt or /var, no users made), its PostgreSQL role step on a PostgreSQL cluster of the
 * lab's (lab/postgres.ts, its superuser `postgres`, so the role `temporal` is made by the script, not by
 * initdb), then each installed unit's ExecStartPre/ExecStart with the environment its Environment= and
 * EnvironmentFile= lines give (test/support/systemdUnit.ts reads the units; nothing of them is copied
 * here), the script's wait for SERVING and namespace step between the server and the worker, its wait for the
 * worker to poll, an API token made by the script, and a 3 -> 5 through the API, whose worker and API
 * serve the Prometheus metrics deploy/prometheus/prometheus.yml scrapes. Over mutual TLS (install.sh
 * --tls-make-ca). The processes run as the test's user: the units' User= is not applied here.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresCluster } from '../../lab/postgres';
import {
  alive,
  execFileP,
  killGroup,
  sleep,
  waitFor,
} from '../../lab/processes';
import { findTemporalCli } from '../../lab/temporal';
import { temporalServerBinaries } from '../../lab/temporalServer';
import { call, invariants } from '../support/api';
import { useLab } from '../support/labs';
import { readEnvFile, readServiceUnit } from '../support/systemdUnit';

const REPO = join(__dirname, '..', '..', '..');
const INSTALL = join(REPO, 'deploy', 'systemd', 'install.sh');
const PORT_BASE = 7900; // membership 7600-7606, frontend HTTP 7910
const POSTGRES_PORT = 7950;
const API_PORT = 18097;
const API = `http://127.0.0.1:${API_PORT}`;
const SERVER_NAME = 'temporal.guide.lab';
const FIVE = ['etcd1', 'etcd2', 'etcd3', 'etcd4', 'etcd5'];
/** The metrics addresses given to install.sh (its defaults, :9464 and :9465, belong to the machine). */
const WORKER_METRICS = '127.0.0.1:19474';
const API_METRICS = '127.0.0.1:19475';

interface Running {
  name: string;
  proc: ChildProcess;
  log: string;
}

describe("docs/production.md's systemd path, run as written (install.sh --root, the units' ExecStart lines, mutual TLS)", () => {
  const labOf = useLab({ block: 215 });
  let root = '';
  let logs = '';
  let postgres: PostgresCluster | undefined;
  const running: Running[] = [];
  const times: string[] = [];
  const path = (p: string) => join(root, p);

  /** install.sh under the root, with the options docs/production.md shows, and this lab's ports. */
  const install = (...args: string[]) =>
    execFileP(
      'bash',
      [
        INSTALL,
        '--root',
        root,
        '--temporal-bin',
        join(temporalServerBinaries().server, '..'),
        '--temporal-cli',
        findTemporalCli(),
        '--server-name',
        SERVER_NAME,
        '--port-base',
        String(PORT_BASE),
        '--api-port',
        String(API_PORT),
        '--db-port',
        String(POSTGRES_PORT),
        '--psql-admin',
        `${postgres?.bin}/psql -h 127.0.0.1 -p ${POSTGRES_PORT} -U postgres -d postgres`,
        '--worker-metrics',
        WORKER_METRICS,
        '--api-metrics',
        API_METRICS,
        '--tls-make-ca',
        ...args,
      ],
      { env: { ...process.env, ETCD_SCALEOUT_ROOT: '' } },
    );

  /**
   * A unit as systemd would start it: its ExecStartPre lines to completion, then ExecStart in a process
   * group of its own, each in the unit's WorkingDirectory with the unit's environment only.
   */
  async function startUnit(unit: string): Promise<Running> {
    const u = readServiceUnit(path(`etc/systemd/system/${unit}.service`));
    const cwd = u.workingDirectory;
    for (const [cmd, ...args] of u.execStartPre)
      await execFileP(cmd, args, { env: u.env, cwd });
    const log = join(logs, `${unit}.log`);
    const fd = openSync(log, 'a');
    const [cmd, ...args] = u.execStart;
    const proc = spawn(cmd, args, {
      cwd,
      env: u.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    const r = { name: unit, proc, log };
    running.push(r);
    return r;
  }

  before(async function () {
    this.timeout(300_000);
    root = mkdtempSync(join(tmpdir(), 'etcd-scaleout-guide-'));
    logs = path('logs');
    mkdirSync(logs);
    // The product as the guide builds it in /opt/etcd-scaleout before install.sh: this checkout's build.
    mkdirSync(path('opt'));
    symlinkSync(REPO, path('opt/etcd-scaleout'));
    postgres = new PostgresCluster({
      port: POSTGRES_PORT,
      user: 'postgres',
      logFile: join(logs, 'postgres.log'),
    });
    let t = Date.now();
    await postgres.start();
    times.push(`PostgreSQL ${((Date.now() - t) / 1000).toFixed(1)}s`);
    t = Date.now();
    const first = await install('files');
    times.push(`install.sh ${((Date.now() - t) / 1000).toFixed(1)}s`);
    console.log(
      first.stdout
        .trim()
        .split('\n')
        .map((l) => `      ${l}`)
        .join('\n'),
    );
  });

  after(async function () {
    this.timeout(120_000);
    for (const r of [...running].reverse()) {
      killGroup(r.proc.pid);
      await waitFor(`${r.name} to exit`, async () => !alive(r.proc.pid), 30_000)
        .catch(() => killGroup(r.proc.pid, 'SIGKILL'))
        .catch(() => undefined);
    }
    await postgres?.stop();
    if (times.length) console.log(`      steps: ${times.join(', ')}`);
    if (root && !process.env.KEEP_PRODUCTION_LOGS)
      rmSync(root, { recursive: true, force: true });
  });

  it('install.sh again changes nothing; the files it made have the modes the guide says', async () => {
    const cert = readFileSync(path('etc/temporal/tls/server.pem'));
    const again = await install('files');
    assert.doesNotMatch(
      again.stdout,
      /changed|signed|made the CA/,
      again.stdout,
    );
    assert.deepEqual(readFileSync(path('etc/temporal/tls/server.pem')), cert);
    const env = readEnvFile(path('etc/etcd-scaleout/temporal.env'));
    assert.equal(env.TEMPORAL_TLS_SERVER_NAME, SERVER_NAME);
    assert.ok(existsSync(env.TEMPORAL_TLS_CLIENT_KEY_PATH));
    const mode = (p: string) => (statSync(path(p)).mode & 0o777).toString(8);
    assert.equal(mode('etc/temporal/db-password'), '600');
    assert.equal(mode('var/backups/etcd-scaleout'), '700');
    assert.equal(mode('etc/temporal/tls/server-key.pem'), '600');
    assert.equal(mode('etc/etcd-scaleout/tls/client-key.pem'), '600');
    assert.equal(mode('etc/etcd-scaleout-ca/ca-key.pem'), '600');
    // The role the script made logs in with the password of its file (the schema step below uses it).
    const roles = await postgres?.query(
      'postgres',
      "SELECT rolcanlogin, rolcreatedb, rolsuper, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'temporal'",
    );
    assert.deepEqual(roles, [['t', 't', 'f', 't']]);
  });

  it('the server unit (schemas, then the server), the wait for SERVING and the namespace, the worker and API units, a token: a 3 -> 5 through the API completes', async () => {
    const lab = labOf();
    let t = Date.now();
    await startUnit('temporal-server');
    times.push(
      `schemas + server start ${((Date.now() - t) / 1000).toFixed(1)}s`,
    );
    t = Date.now();
    const ns = await install('namespace');
    assert.match(
      ns.stdout,
      /SERVING[\s\S]*namespace default: there/,
      ns.stdout,
    );
    times.push(
      `wait for SERVING + namespace ${((Date.now() - t) / 1000).toFixed(1)}s`,
    );
    // The frontend requires a client certificate: the CLI without the env file's TLS settings is refused.
    const { TEMPORAL_ADDRESS } = readEnvFile(
      path('etc/etcd-scaleout/temporal.env'),
    );
    const plain = await execFileP(
      findTemporalCli(),
      [
        'operator',
        'cluster',
        'health',
        '--address',
        TEMPORAL_ADDRESS,
        '--client-connect-timeout',
        '5s',
      ],
      { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
    ).then(
      (r) => `answered: ${r.stdout}`,
      () => 'refused',
    );
    assert.equal(plain, 'refused');
    const tokenFile = path('alice.token');
    await install('token', 'alice', 'requester', tokenFile);
    const token = readFileSync(tokenFile, 'utf8').trim();

    const workerEnv = readServiceUnit(
      path('etc/systemd/system/etcd-scaleout-worker.service'),
    ).env;
    lab.writeProfile(workerEnv.ETCD_SCALEOUT_PROFILES_DIR);
    const units: Running[] = [];
    for (const unit of ['etcd-scaleout-worker', 'etcd-scaleout-api'])
      units.push(await startUnit(unit));
    // The guide's next step: a worker polls the task queue (so it has registered the search attributes).
    t = Date.now();
    const polling = await install('pollers');
    times.push(`worker polling ${((Date.now() - t) / 1000).toFixed(1)}s`);
    assert.match(
      polling.stdout,
      new RegExp(`${units[0].proc.pid}@`),
      polling.stdout,
    );
    await waitFor(
      'the API unit answering /healthz with Temporal reachable',
      async () => {
        for (const r of units)
          if (!alive(r.proc.pid))
            throw new Error(`${r.name} exited: ${tail(r.log)}`);
        const h = await call('GET', '/healthz', { base: API, token }).catch(
          () => undefined,
        );
        return h?.status === 200 && h.json?.temporal?.reachable === true;
      },
      120_000,
      500,
    );

    const keys = await lab.seedKeys(20);
    t = Date.now();
    const r = await call('POST', '/v1/scaleouts', {
      base: API,
      token,
      body: lab.ticketRequest({
        ticket: { id: 'GUIDE-1', requestedBy: 'alice' },
      }),
    });
    assert.equal(r.status, 201, r.text);
    let status: any;
    while (Date.now() - t < 300_000) {
      const s = await call('GET', `/v1/scaleouts/${r.json.workflowId}`, {
        base: API,
        token,
      });
      assert.equal(s.status, 200, s.text);
      status = s.json;
      if (status.status !== 'RUNNING') break;
      for (const u of units)
        assert.ok(alive(u.proc.pid), `${u.name} exited: ${tail(u.log)}`);
      await sleep(500);
    }
    assert.equal(
      status?.status,
      'COMPLETED',
      JSON.stringify(status).slice(0, 2000),
    );
    await invariants(lab, FIVE, keys);
    times.push(
      `3 -> 5 through the API ${((Date.now() - t) / 1000).toFixed(1)}s`,
    );

    // The CLI with the same env file the units read (set -a; . /etc/etcd-scaleout/temporal.env).
    const cliEnv = {
      PATH: process.env.PATH ?? '',
      ...readEnvFile(path('etc/etcd-scaleout/temporal.env')),
    };
    const st = await execFileP(
      path('usr/local/bin/etcd-scaleout'),
      ['status', r.json.workflowId],
      { env: cliEnv },
    );
    assert.match(st.stdout, /COMPLETED/, st.stdout);

    // The units serve the metrics Prometheus scrapes: the worker's run and the API's requests.
    const scrape = async (at: string) =>
      (await fetch(`http://${at}/metrics`)).text();
    assert.match(
      await scrape(WORKER_METRICS),
      /^etcd_scaleout_runs_completed_total\{[^}]*workflowType="scaleOutEtcd"[^}]*\} 1$/m,
    );
    assert.match(
      await scrape(API_METRICS),
      /^etcd_scaleout_api_requests_total\{route="\/v1\/scaleouts",method="POST",status="201"\} 1$/m,
    );
  });
});

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return `(no log at ${file})`;
  }
}
