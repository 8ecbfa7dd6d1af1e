/**
 * The workflow code a worker runs, bundled once at build time (`npm run build` writes
 * dist/workflow-bundle.js) rather than by webpack at every worker start-up, which takes seconds.
 *
 * A bundle older than any compiled file under dist/src is stale (a `tsc` without the bundling step):
 * running it would run old workflow code, so the worker then bundles at start-up as before.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');
/** dist/workflow-bundle.js, next to dist/src. */
export const BUNDLE_PATH = join(__dirname, '..', '..', 'workflow-bundle.js');
const COMPILED_SOURCES = join(__dirname, '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.js'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export type WorkflowCode =
  | { workflowBundle: { codePath: string } }
  | { workflowsPath: string; why: string };

/** The prebuilt bundle if it is there and current; else the workflows path to bundle now, and why. */
export function workflowCode(bundlePath = BUNDLE_PATH): WorkflowCode {
  let built: number;
  try {
    built = statSync(bundlePath).mtimeMs;
  } catch {
    return {
      workflowsPath: WORKFLOWS_PATH,
      why: `no prebuilt bundle at ${bundlePath} (npm run build writes it)`,
    };
  }
  if (newestMtime(COMPILED_SOURCES) > built)
    return {
      workflowsPath: WORKFLOWS_PATH,
      why: `${bundlePath} is older than the compiled code (npm run build rewrites it)`,
    };
  return { workflowBundle: { codePath: bundlePath } };
}

/** Bundles the workflows and writes the bundle (the build step). */
export async function writeWorkflowBundle(
  bundlePath = BUNDLE_PATH,
): Promise<number> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  writeFileSync(bundlePath, code);
  return code.length;
}
