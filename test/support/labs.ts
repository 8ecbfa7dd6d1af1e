/**
 * Lab fixtures: a lab started for a describe block and stopped after it, and the etcd versions a
 * matrix runs over (every line of lab/etcd-versions, or the ones listed in ETCD_MATRIX=3.5.33,3.6.14).
 */
import { etcdReleases, Lab, type LabOptions } from '../../lab';

/**
 * Starts a lab before the block's tests and stops it after them; call the result to get it. The lab
 * is made in the hook, so a version that is not installed fails its block, not the whole file. It is
 * stopped in the background (Lab.stopLater).
 */
export function useLab(options: LabOptions): () => Lab {
  let lab: Lab | undefined;
  before(async function () {
    this.timeout(120_000);
    lab = new Lab(options);
    await lab.start();
  });
  after(() => {
    lab?.stopLater(); // the next block's tests need not wait for its processes to exit
  });
  return () => {
    if (!lab)
      throw new Error(`the lab of block ${options.block} did not start`);
    return lab;
  };
}

/** useLab, with `count` keys seeded once it runs: the keys the tests' invariants check afterwards. */
export function useSeededLab(
  options: LabOptions,
  count: number,
): { lab: () => Lab; keys: () => Record<string, string> } {
  const lab = useLab(options);
  let keys: Record<string, string> | undefined;
  before(async () => {
    keys = await lab().seedKeys(count);
  });
  return {
    lab,
    keys: () => {
      if (!keys)
        throw new Error(`the lab of block ${options.block} was not seeded`);
      return keys;
    },
  };
}

export function matrixVersions(): string[] {
  const all = etcdReleases().map((r) => r.version);
  const wanted = process.env.ETCD_MATRIX?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (!wanted) return all;
  const unknown = wanted.filter((v) => !all.includes(v));
  if (unknown.length)
    throw new Error(
      `ETCD_MATRIX names ${unknown.join(', ')}, not in lab/etcd-versions (${all.join(', ')})`,
    );
  return wanted;
}

/** `3 -> 5 took ...` lines, gathered for one table at the end of a file. */
export const timings: Array<{ what: string; seconds: number }> = [];

export function recordTiming(what: string, startedAt: number): number {
  const seconds = (Date.now() - startedAt) / 1000;
  timings.push({ what, seconds });
  console.log(`      ${what}: ${seconds.toFixed(1)}s`);
  return seconds;
}
