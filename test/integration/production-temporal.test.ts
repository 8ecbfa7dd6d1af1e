/**
 * The product on a production-shaped Temporal (test/support/productionStack.ts): temporal-server on
 * PostgreSQL with SQL visibility, the namespace made by the operator's step, the search attributes
 * registered by the shipped worker, two worker processes and the HTTP API. One stack for the file.
 *
 * The canary is held in catch-up for real (its etcd SIGSTOPped the moment it is ready and the
 * leader's log run past it, as serverRestart.test.ts does), so waitForCatchUp is in flight,
 * heartbeating, while a worker is killed (test/support/productionKills.ts) or the server is restarted.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileP, sleep } from '../../lab/processes';
import { findTemporalCli } from '../../lab/temporal';
import { buildApi } from '../../src/api/server';
import type { AuditReport } from '../../src/audit';
import { resolveTemporalSettings } from '../../src/temporal';
import { probeTemporal } from '../../src/temporal/probe';
import {
  API_TOKENS,
  call,
  invariants,
  TOKEN,
  waitForList,
  waitForStatus,
} from '../support/api';
import { cli, show } from '../support/cli';
import { useLab } from '../support/labs';
import {
  failoverTally,
  type KillReport,
  killDuringCatchUp,
  startScaleOut,
} from '../support/productionKills';
import {
  PROD_API,
  PROD_NAMESPACE,
  PROD_TASK_QUEUE,
  type ProductionStack,
  prodTemporalEnv,
  useProductionStack,
} from '../support/productionStack';
import { refusedConnection, runWorkerOnce } from '../support/refusals';
import { waitForProgress } from '../support/runs';
import { SummaryLines } from '../support/summaryLines';
import { freezeLearnerBehind, signal } from '../support/triggers';

const FIVE = ['etcd1', 'etcd2', 'etcd3', 'etcd4', 'etcd5'];
const summary = new SummaryLines();
/** The kills' lines and failovers (ms), for the summary. */
const kills: KillReport = { summary, failovers: [] };

describe('production-shaped Temporal: temporal-server on PostgreSQL, two worker processes, the HTTP API', () => {
  const stackOf = useProductionStack();
  let stack: ProductionStack;
  before(() => {
    stack = stackOf();
    const s = stack.server;
    console.log(
      `      temporal-server ${s.binaries.version} start-up (s): ${Object.entries(
        stack.startUp,
      )
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );
  });
  after(() => {
    if (kills.failovers.length)
      summary.lines.push(failoverTally(kills.failovers));
    summary.print('production stack summary');
  });

  it('a worker or a CLI on a namespace the server does not have says so, with the command that creates it', async () => {
    const r = await runWorkerOnce({
      ...prodTemporalEnv(stack.server),
      TEMPORAL_NAMESPACE: 'no-such-namespace',
      TEMPORAL_TASK_QUEUE: 'production-missing-namespace',
    });
    assert.notEqual(r.code, 0, r.out);
    const list = await cli(['list'], {
      ...prodTemporalEnv(stack.server),
      TEMPORAL_NAMESPACE: 'no-such-namespace',
    });
    assert.notEqual(list.code, 0, show(list));
    assert.match(
      list.stderr,
      /temporal operator namespace create --namespace no-such-namespace --retention 72h/,
      show(list),
    );
    assert.match(
      r.out,
      /NamespaceMissingError: namespace no-such-namespace does not exist on the Temporal server at 127\.0\.0\.1:7800 .*temporal operator namespace create --namespace no-such-namespace --retention 72h --address 127\.0\.0\.1:7800 --tls --tls-cert-path \S+client\.pem --tls-key-path \S+client-key\.pem --tls-ca-path \S+ca\.pem --tls-server-name temporal\.etcd-scaleout\.test/,
    );
  });

  it('mutual TLS: a client without a certificate, or with one from another CA, is refused; the client, the CLI and the worker say so in words', async () => {
    const pki = stack.server.pki;
    assert.ok(pki, 'the stack runs over mutual TLS');
    const address = stack.server.address;
    const refusal = (env: Record<string, string>) =>
      refusedConnection(address, env);
    const cliEnv = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: PROD_NAMESPACE,
    };
    // All at once: each refused client waits out its connect deadline (5 s) before it explains.
    const [none, other, plain, cliNone, cliOther, worker] = await Promise.all([
      refusal(pki.noCertificateEnv),
      refusal(pki.otherCaClientEnv),
      refusal({}),
      cli(['list'], { ...cliEnv, ...pki.noCertificateEnv }),
      cli(['list'], { ...cliEnv, ...pki.otherCaClientEnv }),
      runWorkerOnce({
        ...cliEnv,
        ...pki.otherCaClientEnv,
        TEMPORAL_TASK_QUEUE: 'production-refused',
      }),
    ]);
    assert.equal(none.failure, 'tls-refused');
    assert.equal(
      none.message,
      `cannot connect to Temporal at ${address}: the server requires a client certificate and none is set: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH to the files of a certificate signed by the CA the server trusts for clients`,
    );
    assert.equal(other.failure, 'tls-refused');
    assert.equal(
      other.message,
      `cannot connect to Temporal at ${address}: the server refused the client certificate ${pki.otherCaClientEnv.TEMPORAL_TLS_CLIENT_CERT_PATH} (TEMPORAL_TLS_CLIENT_CERT_PATH): it is not signed by a CA the server trusts for clients`,
    );
    assert.equal(plain.failure, 'tls-mismatch');
    assert.match(
      plain.message,
      /the server speaks TLS and the connection settings have TLS off/,
    );
    // Between its services too: history (port base + 1) takes no client without the CA's certificate.
    const historyPort = `127.0.0.1:${Number(address.split(':')[1]) + 1}`;
    for (const env of [pki.noCertificateEnv, pki.otherCaClientEnv])
      assert.equal(
        (
          await probeTemporal(
            resolveTemporalSettings({ address: historyPort, env }),
          )
        )?.failure,
        'tls-refused',
        `history on ${historyPort} with ${JSON.stringify(env)}`,
      );
    assert.equal(
      await probeTemporal(
        resolveTemporalSettings({ address: historyPort, env: pki.clientEnv }),
      ),
      undefined,
      'history takes a certificate of the CA',
    );

    assert.equal(cliNone.code, 4, show(cliNone));
    assert.equal(cliNone.stderr.trim(), `etcd-scaleout list: ${none.message}`);
    assert.equal(cliOther.code, 4, show(cliOther));
    assert.equal(
      cliOther.stderr.trim(),
      `etcd-scaleout list: ${other.message}`,
    );

    assert.notEqual(worker.code, 0, worker.out);
    assert.ok(
      worker.out.includes(`TemporalConnectError: ${other.message}`),
      worker.out,
    );
    assert.ok(!/\n\s+at /.test(worker.out), `no stack: ${worker.out}`);
    for (const [who, text] of [
      ['client, no certificate', none.message],
      ['client, another CA', other.message],
      ['client, plaintext', plain.message],
      ['CLI, no certificate', cliNone.stderr.trim()],
      ['CLI, another CA', cliOther.stderr.trim()],
      ['worker, another CA', worker.out.trim()],
    ])
      console.log(`      refused (${who}): ${text}`);
  });

  it('a temporal.toml profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) alone reaches the server over mutual TLS, for the CLI and for the Temporal CLI', async () => {
    const tls = stack.server.clientEnv;
    const file = join(stack.logDir, 'temporal.toml');
    writeFileSync(
      file,
      [
        '[profile.lab]',
        `address = "${stack.server.address}"`,
        `namespace = "${PROD_NAMESPACE}"`,
        '[profile.lab.tls]',
        `client_cert_path = "${tls.TEMPORAL_TLS_CLIENT_CERT_PATH}"`,
        `client_key_path = "${tls.TEMPORAL_TLS_CLIENT_KEY_PATH}"`,
        `server_ca_cert_path = "${tls.TEMPORAL_TLS_SERVER_CA_CERT_PATH}"`,
        `server_name = "${tls.TEMPORAL_TLS_SERVER_NAME}"`,
        '',
      ].join('\n'),
    );
    // Every other connection setting empty (unset): only the profile says where and how.
    const only = {
      TEMPORAL_ADDRESS: '',
      TEMPORAL_NAMESPACE: '',
      ...Object.fromEntries(Object.keys(tls).map((k) => [k, ''])),
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'lab',
    };
    const list = await cli(['list'], only);
    assert.equal(list.code, 0, show(list));
    const temporal = await execFileP(
      findTemporalCli(),
      ['workflow', 'count', '--config-file', file, '--profile', 'lab'],
      { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
    );
    assert.match(temporal.stdout, /Total:?\s*\d+/i, temporal.stdout);
  });

  describe('a 3 -> 5 through the API, the worker of its current activity SIGKILLed (lab 210)', () => {
    const labOf = useLab({ block: 210 });
    let id = '';

    it('completes on the other worker; from the kill to the next activity started there in under 10 s', async () => {
      id = await killDuringCatchUp(stack, labOf(), 'PROD-1', 'worker-c', kills);
    });

    it('lists the run by cluster and by ticket through SQL visibility', async () => {
      const byCluster = await waitForList(
        'cluster=lab-210',
        (items) =>
          items.some((i) => i.workflowId === id && i.status === 'COMPLETED'),
        60_000,
        PROD_API,
      );
      const item = byCluster.items.find((i: any) => i.workflowId === id);
      assert.deepEqual(
        [item.cluster, item.ticket, item.requestedBy, item.phase],
        ['lab-210', 'PROD-1', 'alice', 'done'],
      );
      const byTicket = await waitForList(
        'ticket=PROD-1',
        (items) => items.length === 1 && items[0].workflowId === id,
        60_000,
        PROD_API,
      );
      assert.equal(byTicket.items[0].cluster, 'lab-210');
    });

    it('the audit reads the run from the real server: every phase, the killed activity retried', async () => {
      const r = await cli(
        ['audit', id, '--json'],
        prodTemporalEnv(stack.server),
      );
      assert.equal(r.code, 0, show(r));
      const a = JSON.parse(r.stdout) as AuditReport;
      const phases = a.phases.map((p) => p.phase);
      assert.deepEqual(
        [phases[0], phases.at(-1)],
        ['validate', 'done'],
        phases.join(' '),
      );
      for (const p of ['preflight', 'backup', 'canary', 'verify', 'batch'])
        assert.ok(phases.includes(p), `${p} in ${phases.join(' ')}`);
      const catchUps = a.activities.filter((x) => x.name === 'waitForCatchUp');
      assert.ok(
        catchUps.some((x) => x.outcome === 'completed' && x.attempts >= 2),
        `waitForCatchUp retried after the kill: ${JSON.stringify(catchUps)}`,
      );
    });
  });

  for (const [block, ticket, replacement] of [
    [214, 'PROD-3', 'worker-d'],
    [215, 'PROD-4', 'worker-e'],
  ] as const)
    describe(`another 3 -> 5, its worker SIGKILLed again (lab ${block})`, () => {
      const labOf = useLab({ block });
      it('completes on the other worker; from the kill to the next activity started there in under 10 s', async () => {
        await killDuringCatchUp(stack, labOf(), ticket, replacement, kills);
      });
    });

  describe('the server process restarted mid-run (lab 211)', () => {
    const labOf = useLab({ block: 211 });

    it('another ticket for the cluster is refused (409) within the visibility lag and by an API that never saw the run; the server stopped while the canary catches up, started again: the run converges 3 -> 5', async () => {
      const lab = labOf();
      const keys = await lab.seedKeys(30);
      const frozen = freezeLearnerBehind(lab.hosts[0], lab.cluster);
      const handle = await startScaleOut(stack, lab, 'PROD-2');
      const other = lab.ticketRequest({
        ticket: { id: 'PROD-2-OTHER', requestedBy: 'alice' },
      });
      // At once, before SQL visibility may list the run: the API remembers the runs it started.
      const atOnce = await call('POST', '/v1/scaleouts', {
        base: PROD_API,
        token: TOKEN,
        body: other,
      });
      assert.equal(atOnce.status, 409, atOnce.text);
      assert.equal(atOnce.json.running.workflowId, handle.workflowId);
      const pid = await frozen;
      await waitForProgress(
        handle,
        (p) => p.members[0]?.state === 'catching-up',
        'etcd4 catching-up',
      );
      // A second API process has no such memory: its refusal comes from SQL visibility alone.
      const fresh = await buildApi({
        client: stack.client,
        tokens: API_TOKENS,
        taskQueue: PROD_TASK_QUEUE,
      });
      try {
        const r = await fresh.inject({
          method: 'POST',
          url: '/v1/scaleouts',
          headers: { authorization: `Bearer ${TOKEN}` },
          payload: other,
        });
        assert.equal(r.statusCode, 409, r.body);
        assert.equal(JSON.parse(r.body).running.workflowId, handle.workflowId);
      } finally {
        await fresh.close();
      }
      const downAt = Date.now();
      await stack.server.stopServer();
      await sleep(5_000);
      await stack.server.startServer();
      const upAt = Date.now();
      signal(pid, 'SIGCONT');
      const done = await waitForStatus(
        handle.workflowId,
        (s) => s.status !== 'RUNNING',
        'completion',
        300_000,
        500,
        PROD_API,
      );
      assert.equal(
        done.status,
        'COMPLETED',
        JSON.stringify(done).slice(0, 2000),
      );
      await invariants(lab, FIVE, keys);
      for (const w of stack.workers.filter(
        (x) => x.process.signalCode !== 'SIGKILL',
      ))
        assert.equal(
          w.process.exitCode,
          null,
          `${w.name} survives the restart; see ${w.logFile}`,
        );
      const line = `server down ${((upAt - downAt) / 1000).toFixed(1)}s (restart ${(stack.server.times.server / 1000).toFixed(1)}s); run completed ${((Date.now() - upAt) / 1000).toFixed(1)}s after it was back`;
      summary.add(line);
    });
  });
});
