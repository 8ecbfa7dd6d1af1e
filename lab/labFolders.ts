/**
 * Where labs keep their files, and how long: a stopped lab's folder (its members' data dirs with their
 * preallocated WAL files, ~600 MB) is removed once its processes are gone, unless
 * ETCD_SCALEOUT_KEEP_LABS=1 (every one is kept, for debugging) or the lab is stopped with `keep` (a failed
 * test's): then it stays, the last MAX_KEPT of those only.
 */
import { rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The labs' folders: block-<B> each. */
export const LABS_ROOT = join(tmpdir(), 'etcd-scaleout-lab');
const KEEP_ALL = process.env.ETCD_SCALEOUT_KEEP_LABS === '1';
const MAX_KEPT = 2;
/** The folders kept for a failure, oldest first. */
const kept: string[] = [];

/** Removes a stopped lab's folder (unless ETCD_SCALEOUT_KEEP_LABS=1), and LABS_ROOT once it is empty. */
export function removeLabDir(dir: string): void {
  if (KEEP_ALL) return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  try {
    rmdirSync(LABS_ROOT);
  } catch {
    // Other labs' folders are in it, or there is none.
  }
}

/** A stopped lab's folder: removed, or kept for a failure (dropping the oldest beyond MAX_KEPT). */
export function leaveLabDir(dir: string, keep: boolean): void {
  if (!keep) {
    removeLabDir(dir);
    return;
  }
  if (KEEP_ALL) return;
  kept.push(dir);
  console.log(`      (lab folder kept for the failure: ${dir})`);
  for (const old of kept.splice(0, Math.max(0, kept.length - MAX_KEPT)))
    removeLabDir(old);
}

/** A lab starts in `dir` again: its old files go, and it is no longer one of the kept. */
export function reuseLabDir(dir: string): void {
  const at = kept.indexOf(dir);
  if (at >= 0) kept.splice(at, 1);
  rmSync(dir, { recursive: true, force: true });
}
