/**
 * Lab fixtures: a lab started for a describe block and stopped after it, and the etcd versions a
 * matrix runs over (every line of lab/etcd-versions, or the ones listed in ETCD_MATRIX=3.5.33,3.6.14).
 */
import { etcdReleases, Lab, type LabOptions } from '../../lab';

/** A lab of useLab, in the order the files declare them (the order their blocks run in, within a file). */
interface Declared {
  options: LabOptions;
  file?: string;
  /** Started ahead, by the block declared before it in the same file. */
  ahead?: Promise<Lab>;
  claimed?: boolean;
}
const declared: Declared[] = [];
/** The blocks of useLab's labs now running. */
const liveBlocks = new Set<number>();

/** A started lab; when its start fails, what it started is stopped and the failure thrown. */
async function startLab(options: LabOptions): Promise<Lab> {
  const lab = new Lab(options);
  try {
    return await lab.start();
  } catch (err) {
    lab.stopLater();
    throw err;
  }
}

/**
 * Starts the lab declared after `me` in the same file, while `me`'s tests run: its set-up (etcd, sshd,
 * certificates) is off the critical path, and its members have long been connected when
 * its tests add one (etcd refuses a member add in the ~5 s after a member connects). Not when it is on
 * a block in use, nor a control-plane lab.
 */
function startAhead(index: number, me: Declared): void {
  const next = declared[index];
  if (!next || !me.file || next.file !== me.file) return;
  if (next.ahead || next.claimed || liveBlocks.has(next.options.block)) return;
  // Not a control-plane lab: its three kube-apiservers starting take both cores for ~10-20 s, which
  // would slow the rollout this block's tests wait for, against its readiness deadlines.
  if (next.options.controlPlane) return;
  next.ahead = startLab(next.options);
  next.ahead.catch(() => undefined); // thrown in its own before hook
}

/** Stops the labs started ahead whose blocks did not run (--grep); the root after hook calls it. */
export async function stopUnclaimedLabs(): Promise<void> {
  for (const d of declared)
    if (d.ahead && !d.claimed) {
      d.claimed = true;
      (await d.ahead.catch(() => undefined))?.stopLater();
    }
}

/**
 * Starts a lab before the block's tests and stops it after them (its folder removed, unless a test of the
 * block failed); call the result to get it. The lab
 * is made in the hook, so a version that is not installed fails its block, not the whole file. The
 * next lab of the same file starts while this block's tests run (startAhead); this one is stopped in
 * the background (Lab.stopLater).
 */
export function useLab(options: LabOptions): () => Lab {
  const me: Declared = { options };
  const index = declared.push(me) - 1;
  let lab: Lab | undefined;
  // Mocha's before() returns the hook, which knows its file (undefined elsewhere: nothing starts ahead).
  const suite = before(async function () {
    this.timeout(120_000);
    me.claimed = true;
    liveBlocks.add(options.block);
    lab = await (me.ahead ?? startLab(options));
    startAhead(index + 1, me);
  }) as unknown as { file?: string } | undefined;
  me.file = suite?.file;
  // A failed test's lab folder is kept (the last two such: see Lab.stop); the others are removed.
  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });
  after(() => {
    liveBlocks.delete(options.block);
    lab?.stopLater({ keep: failed }); // the next block's tests need not wait for its processes to exit
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
