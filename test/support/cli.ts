/**
 * The CLI tests' shared set-up (test/integration/cli-*.test.ts): the `etcd-scaleout` command line
 * spawned as a child process against the suite's stack, and the helpers that wait on a run.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../../lab';
import { waitFor } from '../../lab/processes';
import { type Progress, progressQuery } from '../../src/workflows/run/messages';
import { getStack } from './stack';

export const CLI = join(__dirname, '../../src/cli/main.js');
export const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

let cliEnv: NodeJS.ProcessEnv = {};

export function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 300_000,
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { ...process.env, ...cliEnv, ...env },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : -1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export const show = (r: CliRun) =>
  `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** Polls `fn` until it gives a value (lab/processes' waitFor, with the CLI tests' patience). */
export const until = <T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  everyMs = 250,
): Promise<T> => waitFor(what, fn, timeoutMs, everyMs);

export async function progressOf(
  workflowId: string,
): Promise<Progress | undefined> {
  const { client } = await getStack();
  try {
    return await client.workflow.getHandle(workflowId).query(progressQuery);
  } catch {
    return undefined; // the first workflow task has not run yet
  }
}

export async function membership(lab: Lab): Promise<string[]> {
  const c = lab.cluster.client();
  try {
    const { members } = await c.cluster.memberList({});
    return members
      .map(
        (m) =>
          `${m.ID} ${m.name} ${m.peerURLs.join(',')} ${m.isLearner ? 'learner' : 'voter'}`,
      )
      .sort();
  } finally {
    c.close();
  }
}

export function writeRequest(lab: Lab, name: string, request: unknown): string {
  const file = join(lab.dir, name);
  writeFileSync(file, JSON.stringify(request, null, 2));
  return file;
}

/** Points the CLI at the suite's Temporal dev server and worker, for the describe block that calls it. */
export function useCli(): void {
  before(async () => {
    const stack = await getStack();
    cliEnv = {
      TEMPORAL_ADDRESS: stack.server.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
    };
  });
}
