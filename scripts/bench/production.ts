/**
 * Scale on paper, measured on the production-shaped Temporal (lab/temporalServer.ts: temporal-server
 * on PostgreSQL, SQL visibility) with two shipped worker processes:
 *   one 3 -> 5 run: its history (events, bytes), what it leaves in PostgreSQL (rows and bytes, per
 *   table), the rows it inserted, and the workers' CPU meanwhile;
 *   BENCH_AT_ONCE (default 8) runs on as many clusters at once: wall time against the one run, CPU and
 *   peak RSS per worker, and how the activities spread over the two workers.
 * Prints figures; writes nothing. Uses loopback blocks BENCH_BLOCK.. (default 240) and its own ports
 * (BENCH_PRODUCTION_PORT 7900, PostgreSQL +50). Run it alone, under the integration tests' lock:
 *   npm run build && flock /tmp/etcd-scaleout-itest.lock node dist/scripts/bench/production.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type Lab, TemporalServer } from '../../lab';
import { connectClient } from '../../src/client';
import { freshLab, labFor, runWorkflow, type WorkflowRun } from './cases';
import { parseCase } from './config';
import { seconds } from './stats';
import { type BenchWorker, startWorker } from './worker';

const PORT = Number(process.env.BENCH_PRODUCTION_PORT || 7900);
const BLOCK = Number(process.env.BENCH_BLOCK || 240);
const AT_ONCE = Number(process.env.BENCH_AT_ONCE || 8);
const TASK_QUEUE = 'etcd-scaleout-bench-production';
const CASE = parseCase('3.6.14-small');

const t0 = Date.now();
const log = (s: string) =>
  console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s] ${s}`);

/** Per table of both databases: live rows and bytes on disk (table, indexes, TOAST). */
async function tables(
  server: TemporalServer,
): Promise<Map<string, { rows: number; bytes: number }>> {
  const out = new Map<string, { rows: number; bytes: number }>();
  for (const db of ['temporal', 'temporal_visibility']) {
    const names = await server.postgres.query(
      db,
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    );
    for (const [name] of names) {
      const [[rows, bytes]] = await server.postgres.query(
        db,
        `SELECT count(*), pg_total_relation_size('public.${name}') FROM public.${name}`,
      );
      out.set(`${db}.${name}`, { rows: Number(rows), bytes: Number(bytes) });
    }
  }
  return out;
}

/** Rows inserted so far into both databases (PostgreSQL's statistics, flushed within a second or so). */
async function inserted(server: TemporalServer): Promise<number> {
  let n = 0;
  for (const db of ['temporal', 'temporal_visibility']) {
    const [[sum]] = await server.postgres.query(
      db,
      'SELECT coalesce(sum(n_tup_ins), 0) FROM pg_stat_user_tables',
    );
    n += Number(sum);
  }
  return n;
}

/** The run's history as the server sends it: events and encoded bytes. */
async function historySize(
  client: Client,
  workflowId: string,
): Promise<{ events: number; bytes: number }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return {
    events: history.events?.length ?? 0,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
  };
}

/** Which worker identity ran how many activity attempts of the runs (from their histories). */
async function activityWorkers(
  client: Client,
  workflowIds: string[],
): Promise<Map<string, number>> {
  const by = new Map<string, number>();
  for (const id of workflowIds) {
    const h = await client.workflow.getHandle(id).fetchHistory();
    for (const e of h.events ?? []) {
      const who = e.activityTaskStartedEventAttributes?.identity;
      if (who) by.set(who, (by.get(who) ?? 0) + 1);
    }
  }
  return by;
}

async function withLabs<T>(
  blocks: number[],
  fn: (labs: Lab[]) => Promise<T>,
): Promise<T> {
  const labs = blocks.map((b) => labFor(CASE, b));
  try {
    await Promise.all(labs.map((lab) => freshLab(lab, CASE)));
    return await fn(labs);
  } finally {
    await Promise.all(labs.map((lab) => lab.stop().catch(() => undefined)));
  }
}

const cpu = (ws: BenchWorker[]) => ws.map((w) => w.cpuSeconds());
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function oneRun(
  server: TemporalServer,
  client: Client,
  workers: BenchWorker[],
): Promise<{ run: WorkflowRun; lines: string[] }> {
  return withLabs([BLOCK], async ([lab]) => {
    const before = await tables(server);
    const ins0 = await inserted(server);
    const cpu0 = cpu(workers);
    const run = await runWorkflow(client, TASK_QUEUE, lab);
    const cpu1 = cpu(workers);
    await new Promise((r) => setTimeout(r, 2_000)); // visibility written, statistics flushed
    const after = await tables(server);
    const ins = (await inserted(server)) - ins0;
    const h = await historySize(client, run.workflowId);
    const grown = [...after]
      .map(([name, a]) => {
        const b = before.get(name) ?? { rows: 0, bytes: 0 };
        return { name, rows: a.rows - b.rows, bytes: a.bytes - b.bytes };
      })
      .filter((d) => d.rows !== 0 || d.bytes !== 0)
      .sort((x, y) => y.bytes - x.bytes);
    const rows = grown.reduce((s, d) => s + d.rows, 0);
    const bytes = grown.reduce((s, d) => s + d.bytes, 0);
    const workerCpu = cpu1.reduce((s, c, i) => s + c - cpu0[i], 0);
    return {
      run,
      lines: [
        `one 3 -> 5 run: ${seconds(run.ms)}; history ${h.events} events, ${kb(h.bytes)} encoded`,
        `  PostgreSQL after it: ${rows} more rows, ${mb(bytes)} more on disk (tables and indexes, 8 KiB pages); ${ins} rows inserted meanwhile (pg_stat, incl. since-deleted task rows)`,
        ...grown
          .slice(0, 8)
          .map(
            (d) =>
              `    ${d.name.padEnd(48)} ${String(d.rows).padStart(5)} rows ${kb(d.bytes).padStart(10)}`,
          ),
        `  workers' CPU for the run: ${workerCpu.toFixed(2)} s (both together)`,
      ],
    };
  });
}

async function atOnce(
  client: Client,
  workers: BenchWorker[],
  single: number,
): Promise<string[]> {
  const blocks = Array.from({ length: AT_ONCE }, (_, i) => BLOCK + 1 + i);
  return withLabs(blocks, async (labs) => {
    log(`${AT_ONCE} scale-outs at once: starting`);
    const cpu0 = cpu(workers);
    const start = performance.now();
    const runs = await Promise.all(
      labs.map((lab) => runWorkflow(client, TASK_QUEUE, lab)),
    );
    const wall = performance.now() - start;
    const cpu1 = cpu(workers);
    const spread = await activityWorkers(
      client,
      runs.map((r) => r.workflowId),
    );
    return [
      `${AT_ONCE} scale-outs of ${AT_ONCE} clusters at once: wall ${seconds(wall)} vs one run ${seconds(single)} (${(wall / single).toFixed(2)}x); each ${runs.map((r) => seconds(r.ms)).join(', ')}`,
      ...workers.map(
        (w, i) =>
          `  worker ${i + 1} (pid ${w.process.pid}): CPU ${(cpu1[i] - cpu0[i]).toFixed(2)} s during them, peak RSS ${w.peakRssMB().toFixed(0)} MB, ${spread.get(`${w.process.pid}@${hostname()}`) ?? 0} activity attempts`,
      ),
    ];
  });
}

async function main(): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-bench-production-'));
  const server = new TemporalServer({
    portBase: PORT,
    postgresPort: PORT + 50,
    namespace: 'default',
    logDir,
  });
  const workers: BenchWorker[] = [];
  let client: Client | undefined;
  try {
    await server.start();
    log(
      `temporal-server ${server.binaries.version} on PostgreSQL: start-up ${JSON.stringify(server.times)} ms`,
    );
    client = await connectClient({ address: server.address });
    for (let i = 0; i < 2; i++)
      workers.push(await startWorker(server.address, TASK_QUEUE));
    log(
      `two workers ready in ${workers.map((w) => seconds(w.readyMs)).join(', ')}; idle RSS ${workers.map((w) => `${w.peakRssMB().toFixed(0)} MB`).join(', ')}`,
    );
    const { run, lines } = await oneRun(server, client, workers);
    for (const l of lines) log(l);
    if (AT_ONCE > 0)
      for (const l of await atOnce(client, workers, run.ms)) log(l);
  } finally {
    for (const w of workers) await w.stop();
    await client?.connection.close();
    await server.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
