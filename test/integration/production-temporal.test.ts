/**
 * The product on a production-shaped Temporal (test/support/productionStack.ts): temporal-server on
 * PostgreSQL with SQL visibility, the namespace made by the operator's step, the search attributes
 * registered by the shipped worker, two worker processes and the HTTP API. One stack for the file.
 *
 * The canary is held in catch-up for real (its etcd SIGSTOPped the moment it is ready, as
 * serverRestart.test.ts does), so waitForCatchUp is in flight, heartbeating, while a worker is killed
 * or the server is restarted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { sleep } from '../../lab/processes';
import { buildApi } from '../../src/api/server';
import type { AuditReport } from '../../src/audit';
import type { scaleOutEtcd } from '../../src/workflows';
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
  failoverAfter,
  failoverLine,
  killHolderOf,
  startThroughApi,
} from '../support/productionRuns';
import {
  PROD_API,
  PROD_NAMESPACE,
  PROD_TASK_QUEUE,
  type ProductionStack,
  useProductionStack,
  waitForPollers,
} from '../support/productionStack';
import { waitForProgress } from '../support/runs';
import { freezeEtcdWhenReady, signal } from '../support/triggers';

const FIVE = ['etcd1', 'etcd2', 'etcd3', 'etcd4', 'etcd5'];
const summary: string[] = [];
const WORKER = join(__dirname, '..', '..', 'src', 'worker.js');

/** Starts lab `block`'s 3 -> 5 through the API as alice's ticket; the run's handle. */
const startScaleOut = (
  stack: ProductionStack,
  lab: ReturnType<ReturnType<typeof useLab>>,
  ticket: string,
) =>
  startThroughApi(
    stack,
    lab,
    'scaleout',
    lab.ticketRequest({ ticket: { id: ticket, requestedBy: 'alice' } }),
  ) as Promise<WorkflowHandle<typeof scaleOutEtcd>>;

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
    if (summary.length)
      console.log(
        `\n      production stack summary:\n${summary.map((l) => `      ${l}`).join('\n')}`,
      );
  });

  it('a worker or a CLI on a namespace the server does not have says so, with the command that creates it', async () => {
    const r = await new Promise<{ code: number | null; out: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          [WORKER],
          {
            env: {
              ...process.env,
              TEMPORAL_ADDRESS: stack.server.address,
              TEMPORAL_NAMESPACE: 'no-such-namespace',
              TEMPORAL_TASK_QUEUE: 'production-missing-namespace',
            },
            timeout: 60_000,
          },
          (err, stdout, stderr) =>
            resolve({
              code: err ? ((err as { code?: number }).code ?? -1) : 0,
              out: stdout + stderr,
            }),
        );
      },
    );
    assert.notEqual(r.code, 0, r.out);
    const list = await cli(['list'], {
      TEMPORAL_ADDRESS: stack.server.address,
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
      /NamespaceMissingError: namespace no-such-namespace does not exist on the Temporal server at 127\.0\.0\.1:7800 .*temporal operator namespace create --namespace no-such-namespace --retention 72h/,
    );
  });

  describe('a 3 -> 5 through the API, the worker of its current activity SIGKILLed (lab 210)', () => {
    const labOf = useLab({ block: 210 });
    let id = '';

    it('completes on the other worker; the time from the kill to progress is measured', async () => {
      const lab = labOf();
      const keys = await lab.seedKeys(30);
      const frozen = freezeEtcdWhenReady(lab.hosts[0]);
      const t0 = Date.now();
      const handle = await startScaleOut(stack, lab, 'PROD-1');
      id = handle.workflowId;
      const pid = await frozen;
      await waitForProgress(
        handle,
        (p) => p.members[0]?.state === 'catching-up',
        'etcd4 catching-up',
      );
      const kill = await killHolderOf(stack, handle, 'waitForCatchUp');
      signal(pid, 'SIGCONT');
      const f = await failoverAfter(handle, kill);
      const other = kill.others.find((w) => w.identity === f.completedBy);
      assert.ok(other, `completed by ${f.completedBy}, the other worker`);
      const done = await waitForStatus(
        id,
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
      assert.equal(done.progress.phase, 'done');
      await invariants(lab, FIVE, keys);
      const line = `3 -> 5 through the API in ${((Date.now() - t0) / 1000).toFixed(1)}s; ${failoverLine(kill, f)}`;
      summary.push(line);
      console.log(`      ${line}`);
      // Two workers again for what follows.
      await waitForPollers(stack.client, [stack.startWorker('worker-c')]);
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
      const r = await cli(['audit', id, '--json'], {
        TEMPORAL_ADDRESS: stack.server.address,
        TEMPORAL_NAMESPACE: PROD_NAMESPACE,
      });
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

  describe('the server process restarted mid-run (lab 211)', () => {
    const labOf = useLab({ block: 211 });

    it('another ticket for the cluster is refused (409) within the visibility lag and by an API that never saw the run; the server stopped while the canary catches up, started again: the run converges 3 -> 5', async () => {
      const lab = labOf();
      const keys = await lab.seedKeys(30);
      const frozen = freezeEtcdWhenReady(lab.hosts[0]);
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
      summary.push(line);
      console.log(`      ${line}`);
    });
  });
});
