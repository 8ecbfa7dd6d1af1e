/**
 * The shipped API server process (node dist/src/api/server.js) on the real stack: its token file,
 * host and port, and what it logs.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, sleep } from '../support/api';
import { spawnApiServer, startApiProcess } from '../support/apiProcess';
import { getStack } from '../support/stack';

describe('HTTP API on the real stack', () => {
  describe('the server process (node dist/src/api/server.js)', () => {
    let child: ChildProcess | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-api-main-'));
    after(async () => {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child!.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads the token from API_TOKEN_FILE, listens on API_HOST:API_PORT, and never logs the token', async () => {
      const { server } = await getStack();
      const token = randomBytes(24).toString('hex');
      const port = 18082;
      let output = '';
      child = startApiProcess({
        dir,
        token,
        port,
        temporalAddress: server.address,
        env: { TEMPORAL_NAMESPACE: 'default', LOG_LEVEL: 'debug' },
      });
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          if (
            (await call('GET', '/healthz', { base, token: null })).status ===
            200
          )
            break;
        } catch {
          // not listening yet
        }
        assert.ok(child.exitCode === null, `the server exited: ${output}`);
        assert.ok(
          Date.now() < deadline,
          `the server did not answer: ${output}`,
        );
        await sleep(200);
      }
      const wrong = randomBytes(24).toString('hex');
      assert.equal(
        (
          await call('GET', '/v1/scaleouts?cluster=lab-50', {
            base,
            token: wrong,
          })
        ).status,
        401,
      );
      assert.equal(
        (await call('GET', '/v1/scaleouts?cluster=lab-50', { base, token }))
          .status,
        200,
      );
      assert.equal(
        (await call('GET', '/openapi.json', { base, token })).status,
        200,
      );
      await sleep(200);
      assert.match(output, /incoming request/, 'requests are logged');
      assert.ok(!output.includes(token), 'the token is not in the log');
      assert.ok(
        !output.includes(wrong),
        'a presented wrong token is not in the log either',
      );

      // Without a token it refuses to start, without echoing anything secret.
      const noToken = spawnApiServer({
        API_TOKEN_FILE: '',
        API_TOKEN: '',
        API_PORT: '18083',
      });
      let err = '';
      noToken.stderr!.on('data', (d) => (err += d));
      const code = await new Promise((r) => noToken.once('exit', r));
      assert.equal(code, 1);
      assert.match(err, /no API token: set API_TOKEN_FILE/);
    });
  });
});
