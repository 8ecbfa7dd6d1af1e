/**
 * The HTTP API on the real stack (test/support/api.ts): rejecting the canary, with a signed webhook
 * notification to a real local receiver (lab 52).
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  call,
  HOOK_PORT,
  invariants,
  ORIGINAL,
  TOKENS,
  useApi,
  waitForApprovalGate,
  waitForEnd,
} from '../support/api';
import { useSeededLab } from '../support/labs';

describe('HTTP API on the real stack', () => {
  useApi();

  describe('reject, with a signed webhook notification (lab 52)', () => {
    const { lab, keys } = useSeededLab({ block: 52 }, 30);
    let hook: Server;
    const dir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-api-test-'));
    const secret = randomBytes(32).toString('hex');
    const secretFile = join(dir, 'webhook-secret');
    const received: Array<{
      at: number;
      status: number;
      path: string;
      headers: IncomingHttpHeaders;
      body: string;
    }> = [];

    before(async () => {
      writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
      hook = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          // The first delivery fails: the activity must retry.
          const status = received.length === 0 ? 500 : 200;
          received.push({
            at: Date.now(),
            status,
            path: req.url ?? '',
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
          res
            .writeHead(status, { 'content-type': 'text/plain' })
            .end(status === 200 ? 'ok' : 'try again');
        });
      });
      await new Promise<void>((resolve) =>
        hook.listen(HOOK_PORT, '127.0.0.1', resolve),
      );
    });
    after(async () => {
      await new Promise((r) => hook?.close(r));
      rmSync(dir, { recursive: true, force: true });
    });

    it('carol rejects the canary: the run rolls back, and the webhook gets a signed POST after a retry', async () => {
      const body = {
        ...lab().request({
          ticket: { id: 'OPS-20' },
          strategy: { approval: 'after-canary', approvers: ['carol'] },
        }),
        // The receiver is on loopback: refused unless allowed explicitly.
        notify: {
          webhookUrl: `http://127.0.0.1:${HOOK_PORT}/hook`,
          secretFile,
          allowPrivateTargets: true,
        },
      };
      const r = await call('POST', '/v1/scaleouts', { body });
      assert.equal(r.status, 201, r.text);
      const id = r.json.workflowId;

      await waitForApprovalGate(id);
      const rej = await call('POST', `/v1/scaleouts/${id}/reject`, {
        body: { by: 'carol', reason: 'p99 latency too high' },
        token: TOKENS.carol,
      });
      assert.equal(rej.status, 200, rej.text);
      assert.equal(rej.json.approve, false);

      const done = await waitForEnd(id, 'the end of the rollback');
      assert.equal(done.status, 'FAILED');
      assert.equal(done.failure.type, 'ApprovalRejected');
      assert.match(
        done.failure.message,
        /rejected by carol: p99 latency too high/,
      );
      assert.match(done.failure.message, /undone: .*removed member etcd4/);
      await invariants(lab(), ORIGINAL, keys());

      // The notification was delivered before the run closed: first attempt 500, then a retry.
      assert.ok(received.length >= 2, `webhook calls: ${received.length}`);
      assert.deepEqual(
        received.slice(0, 2).map((x) => x.status),
        [500, 200],
      );
      assert.equal(received.length, 2, 'no further attempt after a 200');
      assert.ok(
        received[1].at - received[0].at >= 500,
        'the retry waited for the backoff',
      );
      for (const x of received) {
        assert.equal(x.path, '/hook');
        assert.equal(x.headers['content-type'], 'application/json');
        const sig = String(x.headers['x-etcdscaleout-signature'] ?? '');
        // A receiver's check: HMAC over "<timestamp>.<body>", and a timestamp close to its clock.
        const timestamp = String(x.headers['x-etcdscaleout-timestamp'] ?? '');
        assert.match(timestamp, /^\d+$/);
        assert.ok(
          Math.abs(Number(timestamp) * 1000 - x.at) < 60_000,
          `timestamp ${timestamp} is the time of sending`,
        );
        const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${x.body}`).digest('hex')}`;
        assert.equal(sig.length, expected.length, `signature header ${sig}`);
        assert.ok(
          timingSafeEqual(Buffer.from(sig), Buffer.from(expected)),
          'the HMAC-SHA256 signature verifies over the timestamp and the exact body',
        );
        const forged = `sha256=${createHmac('sha256', 'not-the-secret').update(`${timestamp}.${x.body}`).digest('hex')}`;
        assert.notEqual(sig, forged);
      }
      assert.equal(
        received[0].body,
        received[1].body,
        'the retry re-sends the same payload',
      );
      const payload = JSON.parse(received[1].body);
      assert.equal(payload.workflowId, id);
      assert.equal(payload.runId, r.json.runId);
      assert.equal(payload.cluster, 'lab-52');
      assert.equal(payload.outcome, 'failed');
      assert.equal(payload.ticket.id, 'OPS-20');
      assert.match(payload.error, /rejected by carol/);

      // The secret only lives in the file: neither the run's status nor its history holds it.
      const status = await call('GET', `/v1/scaleouts/${id}`);
      const audit = await call('GET', `/v1/scaleouts/${id}/audit`);
      assert.equal(audit.status, 200);
      assert.equal(audit.json.input.notify.secretFile, secretFile);
      assert.equal(
        audit.json.input.notify.webhookUrl,
        `http://127.0.0.1:${HOOK_PORT}/…`,
        'the audit shows the webhook without its path',
      );
      for (const text of [status.text, audit.text, r.text])
        assert.ok(!text.includes(secret), 'the webhook secret is not exposed');
    });
  });
});
