/**
 * How the product's entry points refuse settings that cannot work: the shipped worker run once with
 * an environment until it exits, and a client connection that the server must refuse, told as the
 * TemporalConnectError the client, the CLI and the worker explain in words.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { connectClient } from '../../src/client';
import { TemporalConnectError } from '../../src/temporal';

/** The shipped worker, compiled: dist/src/worker.js beside dist/test/support. */
const WORKER = join(__dirname, '..', '..', 'src', 'worker.js');

/** The shipped worker with `env` over the test's, until it exits (it must, within a minute). */
export function runWorkerOnce(
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [WORKER],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? -1) : 0,
          out: stdout + stderr,
        }),
    );
  });
}

/** A client connection to `address` with `env` that must be refused: the refusal, typed. */
export async function refusedConnection(
  address: string,
  env: Record<string, string>,
): Promise<TemporalConnectError> {
  try {
    const c = await connectClient({
      env: { TEMPORAL_ADDRESS: address, ...env },
    });
    await c.connection.close();
  } catch (err) {
    assert.ok(err instanceof TemporalConnectError, String(err));
    return err;
  }
  assert.fail('the server took the connection');
}
