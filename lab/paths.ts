/**
 * Where the lab finds things: the cache outside the checkout (the Temporal CLI, the pinned etcd builds,
 * the demo's database) and the lab's own non-TypeScript files in the checkout.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$ETCD_SCALEOUT_CACHE`, or ~/.cache/etcd-scaleout: what scripts/setup.sh fills. */
export const CACHE_DIR =
  process.env.ETCD_SCALEOUT_CACHE || join(homedir(), '.cache', 'etcd-scaleout');

/**
 * A file under lab/ in the checkout: found from the working directory first, then from the compiled
 * module (dist/lab/ -> lab/), so builds in other folders (worktrees) work too.
 */
export function labSourcePath(...parts: string[]): string {
  const candidates = [
    join(process.cwd(), 'lab', ...parts),
    join(__dirname, '..', '..', 'lab', ...parts),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      `lab file ${join('lab', ...parts)} not found (looked at ${candidates.join(', ')})`,
    );
  return found;
}
