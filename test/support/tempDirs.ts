/**
 * Temporary folders of the tests, removed by the root after hook (test/support/hooks.ts) unless
 * ETCD_SCALEOUT_KEEP_LABS=1: a test that makes one need not clean it up itself, nor leave it behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A new folder under the system's temporary folder, named `<prefix>XXXXXX`. */
export function testTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder testTempDir made (the root after hook). */
export function removeTestTempDirs(): void {
  const dirs = made.splice(0);
  if (process.env.ETCD_SCALEOUT_KEEP_LABS === '1') return;
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
