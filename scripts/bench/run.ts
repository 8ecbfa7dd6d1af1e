/**
 * The benchmark (issue 10): on the lab, the bare runbook script and the workflow alternately, each on
 * a fresh cluster, several rounds per case; then the snapshot against `etcdctl snapshot save`, the
 * worker's start-up and peak RSS, and four scale-outs of four clusters at once on one worker.
 * Prints medians and the ratio per case. Settings: scripts/bench/config.ts. Run: npm run bench.
 */

import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { type Lab, TemporalDevServer } from '../../lab';
import { connectClient } from '../../src/client';
import {
  compareSnapshots,
  freshLab,
  LARGE_MIB,
  labFor,
  runBare,
  runWorkflow,
} from './cases';
import {
  type BenchCase,
  type BenchConfig,
  benchConfig,
  parseCase,
} from './config';
import { largeRound } from './large';
import { type CaseResult, caseLine, median, seconds } from './stats';
import {
  type ActivitySpan,
  sequenceLines,
  timelineLines,
  type WorkflowTaskTimes,
  workflowTaskLine,
} from './timeline';
import { type BenchWorker, startWorker } from './worker';

const TASK_QUEUE = 'etcd-scaleout-bench';
/** What must be stopped if the bench is interrupted (Ctrl-C): labs, the worker, the server. */
const live = new Set<() => Promise<unknown>>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(
      `${sig}: stopping the labs, the worker and the Temporal server`,
    );
    void Promise.allSettled([...live].map((stop) => stop())).then(() =>
      process.exit(130),
    );
  });
}
/** The machine's 1, 5 and 15 minute load averages: the bench shares its cores with other work. */
const loadText = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const log = (line: string) =>
  console.log(`[${new Date().toISOString().slice(11, 23)}] ${line}`);

/** Fresh labs for `c` on `blocks`, stopped afterwards whatever happened (a half-started one too). */
async function withLabs<T>(
  c: BenchCase,
  blocks: number[],
  fn: (labs: Lab[]) => Promise<T>,
): Promise<T> {
  const labs = blocks.map((b) => labFor(c, b));
  const stop = () =>
    Promise.all(labs.map((lab) => lab.stop().catch(() => undefined)));
  live.add(stop);
  try {
    await Promise.all(labs.map((lab) => freshLab(lab, c)));
    return await fn(labs);
  } finally {
    live.delete(stop);
    await stop();
  }
}

/** Per case, each workflow run's time and activity spans: the median run's are printed. */
type Runs = Array<{
  ms: number;
  spans: ActivitySpan[];
  workflowTasks?: WorkflowTaskTimes;
}>;

function medianRunTimeline(name: string, runs: Runs): string {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  return mid
    ? `${name}: where the median run's ${seconds(mid.ms)} went (per activity type: time from scheduled to closed)\n${timelineLines(mid.spans, mid.ms)}${mid.workflowTasks ? `\n${workflowTaskLine(mid.workflowTasks)}` : ''}\n${name}: the same run in order (seconds from its start)\n${sequenceLines(mid.spans, mid.ms)}`
    : `${name}: no run`;
}

/** One round of a case: both labs fresh; bare first on even rounds, workflow first on odd ones. */
async function round(
  cfg: BenchConfig,
  client: Client,
  c: BenchCase,
  r: number,
  out: CaseResult,
  runs: Runs,
): Promise<void> {
  await withLabs(c, [cfg.block, cfg.block + 1], async ([bareLab, wfLab]) => {
    const bare = async () => out.bareMs.push(await runBare(bareLab));
    const workflow = async () => {
      const run = await runWorkflow(client, TASK_QUEUE, wfLab);
      out.workflowMs.push(run.ms);
      out.promoteLagMs.push(...run.promoteLagMs);
      out.historyEventsPerMember.push(run.historyEvents / run.members);
      runs.push({
        ms: run.ms,
        spans: run.spans,
        workflowTasks: run.workflowTasks,
      });
    };
    for (const step of r % 2 === 0 ? [bare, workflow] : [workflow, bare])
      await step();
  });
  log(
    `${c.name} round ${r + 1}: bare ${seconds(out.bareMs.at(-1) ?? NaN)}, workflow ${seconds(out.workflowMs.at(-1) ?? NaN)}`,
  );
}

async function concurrent(
  cfg: BenchConfig,
  client: Client,
  worker: BenchWorker,
  single: number,
): Promise<string[]> {
  const c = parseCase('3.6.14-small');
  return withLabs(
    c,
    [2, 3, 4, 5].map((i) => cfg.block + i),
    async (labs) => {
      log('4 scale-outs at once: starting');
      const t0 = performance.now();
      const cpu0 = worker.cpuSeconds();
      const runs = await Promise.all(
        labs.map((lab) => runWorkflow(client, TASK_QUEUE, lab)),
      );
      const wall = performance.now() - t0;
      const cpu = worker.cpuSeconds() - cpu0;
      log('4 scale-outs at once: done');
      return [
        `4 scale-outs of 4 clusters at once: wall ${seconds(wall)} vs one run ${seconds(single)}: ${(wall / single).toFixed(2)}x (each: ${runs.map((x) => seconds(x.ms)).join(', ')}); the worker used ${cpu.toFixed(2)} s of CPU meanwhile (${((cpu * 100000) / wall).toFixed(0)} % of one core)`,
        ...(cfg.timeline
          ? [medianRunTimeline('one of the 4 at once', runs.slice(0, 1))]
          : []),
      ];
    },
  );
}

const isLarge = (c: BenchCase) => c.dataMiB >= LARGE_MIB;

/** How many rounds each case gets: BENCH_ROUNDS, but BENCH_LARGE_ROUNDS for a large case. */
function roundsText(cfg: BenchConfig): string {
  const small = cfg.cases.filter((c) => !isLarge(c));
  const large = cfg.cases.filter(isLarge);
  const of = (n: number, cases: BenchCase[]) =>
    `${n} round${n === 1 ? '' : 's'} of ${cases.map((c) => c.name).join(', ')}`;
  return [
    ...(small.length ? [of(cfg.rounds, small)] : []),
    ...(large.length ? [of(cfg.largeRounds, large)] : []),
  ].join(', then ');
}

/**
 * Every round of every case, the cases in turn within a round; a failed round is logged and counted.
 * Large cases come last, with their own rounds and report lines (large.ts).
 */
async function allRounds(
  cfg: BenchConfig,
  client: Client,
): Promise<{ results: CaseResult[]; runs: Runs[]; large: string[] }> {
  const results: CaseResult[] = [];
  const runs: Runs[] = cfg.cases.map(() => []);
  const large: string[] = [];
  for (const c of cfg.cases)
    results.push({
      name: c.name,
      bareMs: [],
      workflowMs: [],
      promoteLagMs: [],
      historyEventsPerMember: [],
      failures: [],
    });
  const failed = (i: number, c: BenchCase, r: number) => (err: Error) => {
    results[i].failures.push(err.message);
    log(`${c.name} round ${r + 1} FAILED: ${err.message.slice(0, 400)}`);
  };
  for (let r = 0; r < cfg.rounds; r++) {
    for (const [i, c] of cfg.cases.entries()) {
      if (isLarge(c)) continue;
      await round(cfg, client, c, r, results[i], runs[i]).catch(
        failed(i, c, r),
      );
    }
  }
  for (const [i, c] of cfg.cases.entries()) {
    if (!isLarge(c)) continue;
    for (let r = 0; r < cfg.largeRounds; r++) {
      await largeRound(c, cfg.block, client, TASK_QUEUE, live, log)
        .then((x) => {
          if (Number.isFinite(x.bareMs)) results[i].bareMs.push(x.bareMs);
          results[i].workflowMs.push(x.run.ms);
          results[i].historyEventsPerMember.push(
            x.run.historyEvents / x.run.members,
          );
          runs[i].push({ ms: x.run.ms, spans: x.run.spans });
          large.push(...x.lines);
          log(`${c.name} round ${r + 1}: ${x.lines.join('; ')}`);
        })
        .catch(failed(i, c, r));
    }
  }
  return { results, runs, large };
}

/** takeSnapshot's throughput against etcdctl snapshot save, on the first case with data (else a 200 MB one). */
async function snapshotLine(cfg: BenchConfig): Promise<string> {
  const big =
    cfg.cases.find((c) => c.dataMiB > 0 && !isLarge(c)) ??
    parseCase('3.6.14-200mb');
  const snap = await withLabs(big, [cfg.block], ([lab]) =>
    compareSnapshots(lab, cfg.rounds),
  );
  const ratio = median(snap.activityMBps) / median(snap.etcdctlMBps);
  return `snapshot ${snap.sizeMB.toFixed(0)} MB (${big.name}): takeSnapshot ${median(snap.activityMBps).toFixed(0)} MB/s, etcdctl snapshot save ${median(snap.etcdctlMBps).toFixed(0)} MB/s: ${ratio.toFixed(2)}x`;
}

async function main(): Promise<void> {
  const cfg = benchConfig();
  const t0 = performance.now();
  log(
    `bench: ${roundsText(cfg)}; Temporal on ${cfg.port}; lab blocks from ${cfg.block}`,
  );
  const server = new TemporalDevServer({
    port: cfg.port,
    headless: true,
    logFile: join(tmpdir(), 'etcd-scaleout-bench-temporal.log'),
  });
  live.add(() => server.stop());
  await server.start();
  let worker: BenchWorker | undefined;
  const report: string[] = [];
  try {
    worker = await startWorker(server.address, TASK_QUEUE);
    live.add(() => worker!.stop());
    report.push(`worker ready ${seconds(worker.readyMs)} after spawn`);
    report.push(`load average at start ${loadText()}`);
    const client = await connectClient({ address: server.address });
    const { results, runs, large } = await allRounds(cfg, client);
    report.push(...results.map(caseLine), ...large);
    if (cfg.snapshot) report.push(await snapshotLine(cfg));
    if (cfg.concurrent) {
      const single = median(
        results.find((r) => r.name === '3.6.14-small')?.workflowMs ?? [],
      );
      report.push(
        ...(await concurrent(
          cfg,
          client,
          worker,
          Number.isFinite(single) ? single : NaN,
        ).catch((err: Error) => [`4 at once FAILED: ${err.message}`])),
      );
    }
    report.push(`worker peak RSS ${worker.peakRssMB().toFixed(0)} MB`);
    report.push(`load average at end ${loadText()}`);
    if (cfg.timeline)
      report.push(
        ...cfg.cases.map((c, i) => medianRunTimeline(c.name, runs[i])),
      );
    await client.connection.close();
  } finally {
    await worker?.stop();
    await server.stop();
  }
  console.log(
    `\n=== bench results (${roundsText(cfg)}; ${seconds(performance.now() - t0)} in all) ===`,
  );
  for (const line of report) console.log(line);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
