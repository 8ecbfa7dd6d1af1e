/**
 * The notify activity against a real HTTP receiver on loopback (lab block 180), allowed explicitly:
 * timestamped signature, redirects not followed, final and retryable answers, the URL's path never
 * shown. Refused targets and secret files: notifyTargets.test.ts.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  createNotifyActivities,
  SIGNATURE_HEADER,
  sign,
  TIMESTAMP_HEADER,
} from '../../../src/activities/notify';
import { shownWebhookUrl } from '../../../src/domain/notify/webhookUrl';
import { testTempDir } from '../../support/tempDirs';

const HOST = '127.0.180.1';
const SECRET = 'hook-secret';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('notifyWebhook delivery', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  const secretFile = join(testTempDir('notify-'), 'secret');

  before(async () => {
    writeFileSync(secretFile, `${SECRET}\n`);
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        const status = Number(
          /\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 204,
        );
        if (status >= 300 && status < 400)
          res.setHeader('location', `${base}/elsewhere/team-secret-path`);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    base = `http://${HOST}:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());
  beforeEach(() => (received.length = 0));

  // The receiver is on loopback: allowed explicitly, as a profile would (notify.allowPrivateTargets).
  const notify = (path: string, now = () => 1_700_000_000_000) =>
    createNotifyActivities({ now }).notifyWebhook(
      `${base}${path}`,
      secretFile,
      { runId: 'r1', status: 'completed' },
      { allowPrivateTargets: true },
    );

  it('signs the timestamp and the body, so a replayed or altered delivery does not verify', async () => {
    assert.deepEqual(await notify('/hooks/team-a'), { status: 204 });
    const [r] = received;
    assert.equal(r.headers[TIMESTAMP_HEADER], '1700000000');
    assert.equal(
      r.headers[SIGNATURE_HEADER],
      sign(SECRET, `1700000000.${r.body}`),
    );
    assert.notEqual(
      r.headers[SIGNATURE_HEADER],
      sign(SECRET, `1700000300.${r.body}`),
      'another time gives another signature',
    );
    assert.notEqual(
      r.headers[SIGNATURE_HEADER],
      sign(SECRET, r.body),
      'the body alone is not what is signed',
    );
  });

  it('does not follow a redirect, and does not retry it', async () => {
    const err = await notify('/hooks/team-a/status/302').then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'NotifyFailed');
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /HTTP 302 redirect, not followed/);
    assert.deepEqual(
      received.map((r) => r.path),
      ['/hooks/team-a/status/302'],
      'the redirect target was never asked',
    );
  });

  it('gives up at once on a 4xx, retries 408, 429 and 5xx', async () => {
    for (const [status, retried] of [
      [400, false],
      [401, false],
      [404, false],
      [408, true],
      [429, true],
      [500, true],
      [503, true],
    ] as const) {
      const err = await notify(`/hooks/team-a/status/${status}`).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err instanceof ApplicationFailure, `${status}: ${err}`);
      assert.equal(err.nonRetryable, !retried, `${status}: ${err.message}`);
    }
  });

  it('shows the URL without its path in every failure', async () => {
    const failures = [
      await notify('/hooks/team-a/status/403').then(
        () => undefined,
        (e) => e,
      ),
      await notify('/hooks/team-a/status/302').then(
        () => undefined,
        (e) => e,
      ),
      await createNotifyActivities()
        .notifyWebhook(
          `http://${HOST}:1/hooks/team-a`,
          undefined,
          {},
          {
            allowPrivateTargets: true,
          },
        )
        .then(
          () => undefined,
          (e) => e,
        ),
    ];
    for (const err of failures) {
      assert.ok(err instanceof Error);
      assert.doesNotMatch(
        err.message,
        /team-a|secret-path|elsewhere/,
        err.message,
      );
      assert.match(err.message, /\/…/);
    }
  });

  it('shows scheme, host and port only', () => {
    assert.equal(
      shownWebhookUrl('https://tickets.example.com:8443/hooks/x/y'),
      'https://tickets.example.com:8443/…',
    );
    assert.equal(
      shownWebhookUrl('https://tickets.example.com'),
      'https://tickets.example.com/',
    );
    assert.equal(shownWebhookUrl('nonsense'), '(not a URL)');
  });
});
