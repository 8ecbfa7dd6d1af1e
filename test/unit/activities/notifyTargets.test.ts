/**
 * What the notify activity refuses (issue 17): loopback, link-local and private targets unless the
 * profile allows them, checked on the address a name resolves to; and secret files that are not
 * small regular files (/dev/zero, a FIFO, a folder, a large file), in words that do not say which
 * files exist. A real receiver on loopback (lab block 181) shows that nothing reached it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  createNotifyActivities,
  SIGNATURE_HEADER,
} from '../../../src/activities/notify';
import { MAX_SECRET_BYTES } from '../../../src/activities/notifySecret';
import {
  checkedLookup,
  WebhookTargetRefused,
} from '../../../src/activities/webhookTransport';
import { nonPublicAddressKind } from '../../../src/domain/notify/webhookTarget';
import { testTempDir } from '../../support/tempDirs';

const HOST = '127.0.181.1';

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('was accepted'),
    (e) => {
      assert.ok(e instanceof ApplicationFailure, String(e));
      return e;
    },
  );

describe('notifyWebhook refusals', () => {
  let server: Server;
  let port = 0;
  const received: string[] = [];
  const dir = testTempDir('notify-targets-');

  before(async () => {
    server = createServer((req, res) => {
      received.push(String(req.headers[SIGNATURE_HEADER] ?? ''));
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());
  beforeEach(() => (received.length = 0));

  const send = (
    url: string,
    secretFile?: string,
    allowPrivateTargets?: boolean,
  ) =>
    createNotifyActivities().notifyWebhook(
      url,
      secretFile,
      { runId: 'r1' },
      allowPrivateTargets === undefined ? undefined : { allowPrivateTargets },
    );

  it('refuses a loopback or metadata address unless allowed, and nothing is sent', async () => {
    for (const url of [
      `http://${HOST}:${port}/hook`,
      'http://169.254.169.254/latest/meta-data',
      `http://[::ffff:${HOST}]:${port}/hook`,
      'http://10.1.2.3:8080/hook',
    ]) {
      const err = await failureOf(send(url));
      assert.equal(err.type, 'NotifyFailed');
      assert.equal(err.nonRetryable, true, url);
      assert.match(
        err.message,
        /notify\.webhookUrl is on a (loopback|link-local|private) address.*notify\.allowPrivateTargets: true/,
      );
    }
    assert.deepEqual(received, []);
    assert.deepEqual(
      await send(`http://${HOST}:${port}/hook`, undefined, true),
      { status: 204 },
      'allowed explicitly, it is sent',
    );
    assert.equal(received.length, 1);
  });

  it('checks a name on the address it resolves to, and hands the socket only that address', async () => {
    // The lookup the socket connects through (a name passes the schema; its addresses are checked
    // here, at connect time). localhost resolves to loopback through /etc/hosts.
    const refused = await new Promise<Error | null>((resolve) =>
      checkedLookup(false)('localhost', { all: true }, (err) => resolve(err)),
    );
    assert.ok(refused instanceof WebhookTargetRefused, String(refused));
    assert.match(
      refused.message,
      /notify\.webhookUrl is on a loopback address \(localhost resolves to (127\.0\.0\.1|::1)\)/,
    );
    const allowed = await new Promise<unknown>((resolve, reject) =>
      checkedLookup(true)('localhost', {}, (err, address) =>
        err ? reject(err) : resolve(address),
      ),
    );
    assert.match(String(allowed), /^(127\.0\.0\.1|::1)$/);
  });

  it("refuses through the activity a name that resolves to loopback (the machine's own name, where it does)", async function () {
    const name = hostname();
    const { address } = await lookup(name);
    if (!nonPublicAddressKind(address)) this.skip();
    const err = await failureOf(send(`http://${name}:${port}/hook`));
    assert.equal(err.nonRetryable, true);
    assert.match(
      err.message,
      new RegExp(
        `notify\\.webhookUrl is on a \\S+ address \\(${name} resolves to `,
      ),
    );
    assert.deepEqual(received, []);
  });

  it('reads the secret only from a small regular file: /dev/zero, a FIFO, a folder, a large file and a missing one fail alike', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const large = join(dir, 'large');
    writeFileSync(large, 'x'.repeat(MAX_SECRET_BYTES + 1));
    const messages: string[] = [];
    for (const file of [
      '/dev/zero',
      fifo,
      folder,
      large,
      join(dir, 'missing'),
    ]) {
      const t0 = Date.now();
      const err = await failureOf(
        send(`http://${HOST}:${port}/hook`, file, true),
      );
      assert.ok(Date.now() - t0 < 2_000, `${file} answered at once`);
      assert.equal(err.type, 'CredentialsUnreadable');
      assert.equal(err.nonRetryable, true);
      assert.doesNotMatch(
        err.message,
        /ENOENT|EACCES|EISDIR|ENXIO|no such|permission|denied|directory|larger/i,
      );
      messages.push(err.message.replace(file, '<file>'));
    }
    assert.equal(
      new Set(messages).size,
      1,
      `one message whatever the cause: ${messages.join(' | ')}`,
    );
    assert.deepEqual(received, [], 'nothing was sent unsigned');

    const good = join(dir, 'secret');
    writeFileSync(good, 'hook-secret\n');
    assert.deepEqual(await send(`http://${HOST}:${port}/hook`, good, true), {
      status: 204,
    });
    assert.match(received[0], /^sha256=[0-9a-f]{64}$/);
  });
});
