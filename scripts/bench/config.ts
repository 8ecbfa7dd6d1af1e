/**
 * What the bench runs, from the environment:
 *   BENCH_ROUNDS   rounds per case (default 3)
 *   BENCH_CASES    comma-separated cases <version>-<small|200mb>[-tls], default below
 *   BENCH_CONCURRENT  1 to run the 4-clusters-at-once case (default 1), 0 to skip it
 *   BENCH_SNAPSHOT 1 to compare the snapshot with `etcdctl snapshot save` (default 1), 0 to skip it
 *   BENCH_TIMELINE 1 to print where each case's median workflow run spent its time (default 1)
 *   BENCH_PORT     the Temporal dev server's port (default 7402)
 *   BENCH_BLOCK    first lab block (default 150; the bench uses BLOCK..BLOCK+5)
 *   BENCH_LARGE    1 to add the 2 GB case (LARGE_CASE, default 0): ~10 GB of disk a lab, minutes a run
 *   BENCH_LARGE_ROUNDS  rounds of a large case (default 1)
 */
export interface BenchCase {
  name: string;
  version: string;
  dataMiB: number;
  tls: boolean;
}

export const DEFAULT_CASES =
  '3.6.14-small,3.6.14-200mb,3.4.23-small,3.6.14-small-tls';

/** 2000 x 1 MiB: etcd's default quota (the seed stops short of it, cases.ts). */
export const LARGE_CASE = '3.6.14-2000mb';

export function parseCase(spec: string): BenchCase {
  const m = /^(\d+\.\d+\.\d+)-(small|\d+mb)(-tls)?$/.exec(spec.trim());
  if (!m)
    throw new Error(
      `bench case ${JSON.stringify(spec)}: expected <version>-<small|NNNmb>[-tls], e.g. 3.6.14-200mb-tls`,
    );
  return {
    name: spec.trim(),
    version: m[1],
    dataMiB: m[2] === 'small' ? 0 : Number(m[2].slice(0, -2)),
    tls: Boolean(m[3]),
  };
}

export interface BenchConfig {
  rounds: number;
  cases: BenchCase[];
  concurrent: boolean;
  snapshot: boolean;
  timeline: boolean;
  port: number;
  block: number;
  largeRounds: number;
}

export function benchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const rounds = Number(env.BENCH_ROUNDS || 3);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(
      `BENCH_ROUNDS must be a whole number >= 1, got ${env.BENCH_ROUNDS}`,
    );
  return {
    rounds,
    cases: [
      ...(env.BENCH_CASES || DEFAULT_CASES).split(','),
      ...(env.BENCH_LARGE === '1' ? [LARGE_CASE] : []),
    ]
      .filter(Boolean)
      .map(parseCase),
    concurrent: (env.BENCH_CONCURRENT ?? '1') !== '0',
    snapshot: (env.BENCH_SNAPSHOT ?? '1') !== '0',
    timeline: (env.BENCH_TIMELINE ?? '1') !== '0',
    port: Number(env.BENCH_PORT || 7402),
    block: Number(env.BENCH_BLOCK || 150),
    largeRounds: Number(env.BENCH_LARGE_ROUNDS || 1),
  };
}
