/**
 * The HTTP API on the real stack: Temporal dev server + in-process worker (test/support/stack.ts),
 * real etcd clusters and SSH test hosts (labs 50-52), real HTTP over loopback (fetch), and a real
 * local webhook receiver. Nothing is mocked.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { Lab } from '../../lab';
import { DOCUMENTED_ROUTES } from '../../src/api/openapi';
import { buildApi } from '../../src/api/server';
import { type ApiToken, tokenDigest } from '../../src/api/tokens';
import { getStack } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const API_PORT = 18080;
const API2_PORT = 18081;
const HOOK_PORT = 18090;
const TOKEN = randomBytes(24).toString('base64url');
/** One token per person (API_TOKENS_FILE's identities): alice requests and approves, bob, carol and mallory approve, rita only requests. */
const PEOPLE = {
  bob: ['approver'],
  carol: ['approver'],
  mallory: ['approver'],
  rita: ['requester'],
} as const;
const TOKENS = Object.fromEntries(
  Object.keys(PEOPLE).map((name) => [
    name,
    randomBytes(24).toString('base64url'),
  ]),
) as Record<keyof typeof PEOPLE, string>;
const API_TOKENS: ApiToken[] = [
  {
    digest: tokenDigest(TOKEN),
    identity: { name: 'alice', roles: ['requester', 'approver'] },
  },
  ...Object.entries(PEOPLE).map(([name, roles]) => ({
    digest: tokenDigest(TOKENS[name as keyof typeof PEOPLE]),
    identity: { name, roles },
  })),
];
const BASE = `http://127.0.0.1:${API_PORT}`;

interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function call(
  method: string,
  path: string,
  opts: {
    body?: unknown;
    rawBody?: string;
    contentType?: string;
    token?: string | null;
    auth?: string;
    base?: string;
  } = {},
): Promise<Res> {
  const headers: Record<string, string> = {};
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  else if (opts.token !== null)
    headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined || opts.contentType)
    headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(`${opts.base ?? BASE}${path}`, {
    method,
    headers,
    body,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls GET /v1/scaleouts/:id until `pred` holds. */
async function waitForStatus(
  id: string,
  pred: (s: any) => boolean,
  what: string,
  timeoutMs = 300_000,
  everyMs = 250,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const r = await call('GET', `/v1/scaleouts/${id}`);
    assert.equal(r.status, 200, r.text);
    last = r.json;
    if (pred(last)) return last;
    await sleep(everyMs);
  }
  throw new Error(
    `${what} not reached within ${timeoutMs / 1000}s; last status: ${JSON.stringify(last).slice(0, 2000)}`,
  );
}

/** Polls the list route until `pred` holds (visibility is eventually consistent). */
async function waitForList(
  query: string,
  pred: (items: any[]) => boolean,
  timeoutMs = 30_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const r = await call('GET', `/v1/scaleouts?${query}`);
    assert.equal(r.status, 200, r.text);
    last = r.json;
    if (pred(last.items)) return last;
    await sleep(300);
  }
  throw new Error(
    `list ?${query} did not match within ${timeoutMs / 1000}s: ${JSON.stringify(last)}`,
  );
}

async function memberNames(lab: Lab): Promise<string[]> {
  const c = lab.cluster.client();
  try {
    return (await c.cluster.memberList({})).members.map((m) => m.name).sort();
  } finally {
    c.close();
  }
}

/** lab.checkInvariants, repeated for a few seconds in case a member has just been restarted/removed. */
async function invariants(
  lab: Lab,
  members: string[],
  keys: Record<string, string>,
): Promise<void> {
  let problems: string[] = [];
  for (let i = 0; i < 10; i++) {
    problems = await lab.checkInvariants({ members, keys });
    if (!problems.length) return;
    await sleep(1500);
  }
  assert.deepEqual(problems, []);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

describe('HTTP API on the real stack', () => {
  let app: FastifyInstance;
  /** `METHOD /path/{param}` of every route a request reached, to check that each one was exercised. */
  const exercised = new Set<string>();
  const lab = new Lab({ block: 50 });
  let keys: Record<string, string> = {};

  before(async () => {
    const { client, taskQueue } = await getStack();
    app = await buildApi({ client, tokens: API_TOKENS, taskQueue });
    app.addHook('onResponse', async (request) => {
      if (request.routeOptions.url)
        exercised.add(
          `${request.method} ${request.routeOptions.url.replace(/:([A-Za-z]+)/g, '{$1}')}`,
        );
    });
    await app.listen({ host: '127.0.0.1', port: API_PORT });
    await lab.start();
    keys = await lab.seedKeys(50);
  });

  after(async () => {
    await app?.close();
    await lab.stop();
  });

  describe('health, authentication, the OpenAPI document and bad input', () => {
    it('GET /healthz needs no token and reports Temporal reachable', async () => {
      const r = await call('GET', '/healthz', { token: null });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status, 'ok');
      assert.equal(r.json.temporal.reachable, true);
      assert.equal(r.json.temporal.namespace, 'default');
    });

    it('answers 503 when Temporal is not reachable (healthz included)', async () => {
      // A real client whose server is not there: nothing listens on this loopback port.
      const connection = Connection.lazy({
        address: '127.0.0.1:18099',
        connectTimeout: 2_000,
      });
      const down = await buildApi({
        client: new Client({ connection }),
        token: TOKEN,
      });
      await down.listen({ host: '127.0.0.1', port: 18084 });
      try {
        const base = 'http://127.0.0.1:18084';
        const h = await call('GET', '/healthz', { base, token: null });
        assert.equal(h.status, 503, h.text);
        assert.deepEqual(
          [h.json.status, h.json.temporal.reachable],
          ['unavailable', false],
        );
        const l = await call('GET', '/v1/scaleouts?cluster=lab-50', { base });
        assert.equal(l.status, 503, l.text);
        assert.match(l.json.error, /Temporal is not reachable/);
      } finally {
        await down.close();
        await connection.close();
      }
    });

    it("explains with Temporal's own reason (502) when the namespace lacks the search attributes, and starts nothing", async () => {
      const { server, client } = await getStack();
      const namespace = 'no-search-attributes-api';
      await server.createNamespace(namespace);
      const bare = await buildApi({
        client: new Client({ connection: client.connection, namespace }),
        token: TOKEN,
      });
      try {
        const post = () =>
          bare.inject({
            method: 'POST',
            url: '/v1/scaleouts',
            headers: {
              authorization: `Bearer ${TOKEN}`,
              'content-type': 'application/json',
            },
            payload: JSON.stringify(lab.request({ ticket: { id: 'OPS-502' } })),
          });
        let r = await post();
        for (
          let i = 0;
          i < 30 && /namespace \S+ (is )?not found/i.test(r.body);
          i++
        ) {
          await sleep(1000); // a new namespace is served once the server's namespace cache has it
          r = await post();
        }
        assert.equal(r.statusCode, 502, r.body);
        const body = JSON.parse(r.body);
        assert.match(body.reason, /search attribute/);
        assert.match(
          body.error,
          /^Temporal refused to (list runs|start scaleout-lab-50_OPS-502)/,
        );
        for (const name of [
          'EtcdCluster',
          'TicketId',
          'RequestedBy',
          'ScaleOutPhase',
        ])
          assert.ok(
            body.hint.includes(
              `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type Keyword`,
            ),
            body.hint,
          );
        const list = await bare.inject({
          method: 'GET',
          url: '/v1/scaleouts?cluster=lab-50',
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        assert.equal(list.statusCode, 502, list.body);
        assert.match(JSON.parse(list.body).reason, /search attribute/);
      } finally {
        await bare.close();
      }
      assert.equal(
        (await call('GET', '/v1/scaleouts/scaleout-lab-50_OPS-502')).status,
        404,
        'nothing started in the default namespace either',
      );
    });

    it('answers 401 without a token, with a wrong one and with another scheme, and starts nothing', async () => {
      const good = lab.request({
        ticket: { id: 'OPS-401', requestedBy: 'mallory' },
      });
      const wrongSameLength =
        TOKEN.slice(0, -1) + (TOKEN.endsWith('A') ? 'B' : 'A');
      const attempts: Array<{ token?: string | null; auth?: string }> = [
        { token: null },
        { token: wrongSameLength },
        { token: 'short' },
        { token: `${TOKEN}x` },
        { auth: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
        { auth: 'Bearer' },
        { auth: '' },
      ];
      const routes: Array<[string, string, unknown?]> = [
        ['POST', '/v1/scaleouts', good],
        ['GET', '/v1/scaleouts?cluster=lab-50'],
        ['GET', '/v1/scaleouts/scaleout-lab-50_OPS-401'],
        [
          'POST',
          '/v1/scaleouts/scaleout-lab-50_OPS-401/approve',
          { by: 'mallory' },
        ],
        [
          'POST',
          '/v1/scaleouts/scaleout-lab-50_OPS-401/reject',
          { by: 'mallory' },
        ],
        ['POST', '/v1/scaleouts/scaleout-lab-50_OPS-401/cancel'],
        ['GET', '/v1/scaleouts/scaleout-lab-50_OPS-401/audit'],
        ['GET', '/openapi.json'],
        ['GET', '/no/such/route'],
      ];
      for (const [method, path, body] of routes) {
        for (const [i, a] of attempts.entries()) {
          const r = await call(method, path, { body, ...a });
          assert.equal(
            r.status,
            401,
            `${method} ${path} with credentials #${i}: ${r.text}`,
          );
          assert.match(r.json.error, /bearer token/);
          assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /);
          assert.ok(
            !r.text.includes(TOKEN.slice(0, 10)),
            'the token is never echoed',
          );
        }
      }
      // The right token in a lower-case scheme works, and nothing was started by the refused POSTs.
      const ok = await call('GET', '/v1/scaleouts/scaleout-lab-50_OPS-401', {
        auth: `bearer ${TOKEN}`,
      });
      assert.equal(ok.status, 404, ok.text);
      assert.match(ok.json.error, /no scale-out scaleout-lab-50_OPS-401/);
    });

    it('answers 400 naming the fields for invalid JSON, invalid requests and a missing ticket.id, and changes nothing', async () => {
      const membersBefore = await memberNames(lab);
      const good = lab.request({
        ticket: { id: 'OPS-400', requestedBy: 'alice' },
      }) as Record<string, any>;
      const clone = () => JSON.parse(JSON.stringify(good));

      let r = await call('POST', '/v1/scaleouts', {
        rawBody: '{"cluster": {"name": "lab-50",',
      });
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.error, /not valid JSON/);
      assert.deepEqual(
        r.json.fields.map((f: any) => f.field),
        ['(request)'],
      );

      r = await call('POST', '/v1/scaleouts', {
        rawBody: '',
        contentType: 'application/json',
      });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.fields[0].field, '(request)');

      r = await call('POST', '/v1/scaleouts', { body: ['etcd4'] });
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.json.fields, [
        { field: '(request)', message: 'must be a JSON object' },
      ]);

      r = await call('POST', '/v1/scaleouts', {
        rawBody: 'cluster=lab-50',
        contentType: 'text/plain',
      });
      assert.equal(r.status, 415, r.text);
      assert.ok(r.json.error);

      const cases: Array<{
        edit: (x: any) => void;
        field: string;
        message: RegExp;
      }> = [
        {
          edit: (x) => (x.newMembers[0].name = 'etcd4;rm -rf /'),
          field: 'newMembers[0].name',
          message: /lowercase/,
        },
        {
          edit: (x) => (x.ssh.port = '22'),
          field: 'ssh.port',
          message: /port number/,
        },
        {
          edit: (x) => (x.strategy.rollbak = 'all'),
          field: 'strategy',
          message: /unknown field\(s\): rollbak/,
        },
        {
          edit: (x) => delete x.cluster,
          field: 'cluster',
          message: /required/,
        },
        {
          edit: (x) => (x.newMembers[1].peerURL = 'http://127.0.0.99:2380'),
          field: 'newMembers[1].peerURL',
          message: /differs from newMembers\[1\]\.host/,
        },
        {
          edit: (x) => (x.strategy.canary = 3),
          field: 'strategy.canary',
          message: /only 2 new member/,
        },
        {
          edit: (x) => (x.ticket.id = 'OPS 1; drop'),
          field: 'ticket.id',
          message: /letters, digits/,
        },
        {
          edit: (x) => delete x.ticket,
          field: 'ticket.id',
          message: /required by the API/,
        },
        {
          edit: (x) => (x.ticket = { requestedBy: 'alice' }),
          field: 'ticket.id',
          message: /required/,
        },
      ];
      for (const c of cases) {
        const body = clone();
        c.edit(body);
        r = await call('POST', '/v1/scaleouts', { body });
        assert.equal(r.status, 400, r.text);
        const f = r.json.fields.find((x: any) => x.field === c.field);
        assert.ok(
          f,
          `expected a message for ${c.field}, got ${JSON.stringify(r.json.fields)}`,
        );
        assert.match(f.message, c.message);
        assert.ok(r.json.error.includes(c.field));
      }
      // Two problems at once: both are named.
      const two = clone();
      delete two.ticket;
      two.newMembers[0].clientURL = 'not a url';
      r = await call('POST', '/v1/scaleouts', { body: two });
      assert.equal(r.status, 400);
      assert.deepEqual(r.json.fields.map((f: any) => f.field).sort(), [
        'newMembers[0].clientURL',
        'ticket.id',
      ]);

      // Bad list queries are refused too (nothing reaches the visibility query unchecked).
      r = await call(
        'GET',
        '/v1/scaleouts?cluster=' +
          encodeURIComponent('lab" OR EtcdCluster != "x'),
      );
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.fields[0].field, 'cluster');
      r = await call('GET', '/v1/scaleouts?status=Sleeping&limit=0');
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.json.fields.map((f: any) => f.field).sort(), [
        'limit',
        'status',
      ]);

      // Nothing changed: same members, healthy, data intact, and no run of this cluster exists.
      assert.deepEqual(await memberNames(lab), membersBefore);
      await invariants(lab, ORIGINAL, keys);
      const gone = await call('GET', '/v1/scaleouts/scaleout-lab-50_OPS-400');
      assert.equal(gone.status, 404);
      await sleep(2000); // longer than the dev server's visibility lag
      const list = await call('GET', '/v1/scaleouts?cluster=lab-50');
      assert.equal(list.status, 200);
      assert.equal(list.json.count, 0, JSON.stringify(list.json));
    });

    it('serves an OpenAPI 3.1 document with every route, the bearer scheme, the request schema and the error shapes', async () => {
      const r = await call('GET', '/openapi.json');
      assert.equal(r.status, 200, r.text);
      const doc = r.json;
      assert.equal(doc.openapi, '3.1.0');
      assert.deepEqual(doc.components.securitySchemes.bearer, {
        type: 'http',
        scheme: 'bearer',
        description: doc.components.securitySchemes.bearer.description,
      });
      assert.deepEqual(doc.security, [{ bearer: [] }]);
      assert.deepEqual(doc.paths['/healthz'].get.security, []);
      for (const route of DOCUMENTED_ROUTES) {
        const [method, path] = route.split(' ');
        assert.ok(
          doc.paths[path]?.[method.toLowerCase()],
          `${route} is documented`,
        );
      }
      const req = doc.components.schemas.ScaleOutRequest;
      // The cluster's connection settings may come from its profile on the worker.
      assert.deepEqual([...req.required].sort(), [
        'cluster',
        'newMembers',
        'ticket',
      ]);
      assert.deepEqual(req.properties.cluster.required, ['name']);
      assert.deepEqual(req.properties.ticket.required, ['id']);
      assert.equal(req.properties.ssh.properties.port.maximum, 65535);
      assert.equal(req.additionalProperties, false);
      assert.ok(doc.components.schemas.ValidationError.properties.fields);
      assert.equal(
        doc.paths['/v1/scaleouts'].post.responses['409'].content[
          'application/json'
        ].schema.$ref,
        '#/components/schemas/Conflict',
      );
      // An unknown route with the right token: a JSON 404.
      const nf = await call('GET', '/v2/nothing');
      assert.equal(nf.status, 404);
      assert.match(nf.json.error, /no route GET \/v2\/nothing/);
    });
  });

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
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
      const port = 18082;
      let output = '';
      child = spawn(
        process.execPath,
        [join(__dirname, '../../src/api/server.js')],
        {
          env: {
            ...process.env,
            API_TOKEN_FILE: tokenFile,
            API_TOKEN: '',
            API_PORT: String(port),
            API_HOST: '127.0.0.1',
            TEMPORAL_ADDRESS: server.address,
            TEMPORAL_NAMESPACE: 'default',
            LOG_LEVEL: 'debug',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
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
      const noToken = spawn(
        process.execPath,
        [join(__dirname, '../../src/api/server.js')],
        {
          env: {
            ...process.env,
            API_TOKEN_FILE: '',
            API_TOKEN: '',
            API_PORT: '18083',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let err = '';
      noToken.stderr!.on('data', (d) => (err += d));
      const code = await new Promise((r) => noToken.once('exit', r));
      assert.equal(code, 1);
      assert.match(err, /no API token: set API_TOKEN_FILE/);
    });
  });

  describe('3 -> 5 with approval, through the API (lab 50)', () => {
    const id = 'scaleout-lab-50_OPS-1';
    let runId = '';
    let app2: FastifyInstance | undefined;
    after(async () => {
      await app2?.close();
    });

    it('POST starts it (201), the same ticket again is idempotent (200), and another ticket for the cluster gets 409', async () => {
      const body = lab.request({
        ticket: { id: 'OPS-1', requestedBy: 'alice' },
        strategy: { approval: 'after-canary', approvers: ['alice', 'bob'] },
      });
      const r = await call('POST', '/v1/scaleouts', { body });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.workflowId, id);
      assert.equal(r.json.alreadyStarted, false);
      assert.equal(r.headers.get('location'), `/v1/scaleouts/${id}`);
      runId = r.json.runId;
      assert.ok(runId);

      const again = await call('POST', '/v1/scaleouts', { body });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(
        [again.json.workflowId, again.json.runId, again.json.alreadyStarted],
        [id, runId, true],
      );

      // The same ticket with another request is a conflict naming the fields, not the old run.
      const changed = lab.request({
        ticket: { id: 'OPS-1', requestedBy: 'mallory' },
        strategy: { approval: 'after-canary', approvers: ['mallory'] },
      });
      const conflict = await call('POST', '/v1/scaleouts', { body: changed });
      assert.equal(conflict.status, 409, conflict.text);
      assert.deepEqual(
        conflict.json.differences,
        ['strategy.approvers', 'ticket.requestedBy'],
        conflict.text,
      );
      assert.match(
        conflict.json.error,
        /ticket OPS-1 already has run scaleout-lab-50_OPS-1 .*for a different request: .*ticket\.requestedBy differ/,
      );
      assert.equal(conflict.json.runId, runId);

      // An approver alone may not start a scale-out.
      const approverOnly = await call('POST', '/v1/scaleouts', {
        body: lab.request({ ticket: { id: 'OPS-9', requestedBy: 'bob' } }),
        token: TOKENS.bob,
      });
      assert.equal(approverOnly.status, 403, approverOnly.text);
      assert.match(
        approverOnly.json.error,
        /bob does not have the requester role/,
      );

      // Right away (visibility may not list the run yet): the deterministic guard answers.
      const other = await call('POST', '/v1/scaleouts', {
        body: lab.request({ ticket: { id: 'OPS-2', requestedBy: 'carol' } }),
      });
      assert.equal(other.status, 409, other.text);
      assert.ok(other.json.error.includes(id), other.json.error);
      assert.equal(other.json.running.workflowId, id);
      assert.equal(other.json.running.runId, runId);
      assert.equal(other.json.running.ticket, 'OPS-1');
      assert.equal(
        (await call('GET', '/v1/scaleouts/scaleout-lab-50_OPS-2')).status,
        404,
        'the refused ticket started nothing',
      );

      // Too early to decide: the workflow's validator refuses it and the API says why.
      const early = await call('POST', `/v1/scaleouts/${id}/approve`, {
        body: { by: 'bob' },
        token: TOKENS.bob,
      });
      assert.equal(early.status, 409, early.text);
      assert.match(early.json.error, /no decision is awaited/);
    });

    it('a second API process (no memory of the start) also answers 409, through visibility', async () => {
      const { client, taskQueue } = await getStack();
      await waitForList('cluster=lab-50&status=Running', (items) =>
        items.some((i) => i.workflowId === id),
      );
      app2 = await buildApi({ client, token: TOKEN, taskQueue });
      await app2.listen({ host: '127.0.0.1', port: API2_PORT });
      const r = await call('POST', '/v1/scaleouts', {
        base: `http://127.0.0.1:${API2_PORT}`,
        body: lab.request({ ticket: { id: 'OPS-3' } }),
      });
      assert.equal(r.status, 409, r.text);
      assert.equal(r.json.running.workflowId, id);
    });

    it('measures POST (idempotent repeat) and GET status latency', async () => {
      const body = lab.request({
        ticket: { id: 'OPS-1', requestedBy: 'alice' },
        strategy: { approval: 'after-canary', approvers: ['alice', 'bob'] },
      });
      const post: number[] = [];
      const get: number[] = [];
      for (let i = 0; i < 20; i++) {
        let t = performance.now();
        const p = await call('POST', '/v1/scaleouts', { body });
        post.push(performance.now() - t);
        assert.equal(p.status, 200, p.text);
        assert.equal(p.json.runId, runId);
        t = performance.now();
        const g = await call('GET', `/v1/scaleouts/${id}`);
        get.push(performance.now() - t);
        assert.equal(g.status, 200, g.text);
      }
      console.log(
        `      latency (median of 20, dev server, 2 cores shared): POST /v1/scaleouts idempotent repeat ${median(post).toFixed(1)} ms (min ${Math.min(...post).toFixed(1)}, max ${Math.max(...post).toFixed(1)}); GET /v1/scaleouts/{id} ${median(get).toFixed(1)} ms (min ${Math.min(...get).toFixed(1)}, max ${Math.max(...get).toFixed(1)})`,
      );
    });

    it('GET shows the progress; an unknown approver gets 409; bob approves; the run completes with 5 members', async () => {
      const waiting = await waitForStatus(
        id,
        (s) =>
          s.progress?.approval?.state === 'waiting' || s.status !== 'RUNNING',
        'the approval gate',
      );
      assert.equal(
        waiting.status,
        'RUNNING',
        JSON.stringify(waiting.failure ?? waiting.progress),
      );
      assert.equal(waiting.runId, runId);
      assert.equal(waiting.cluster, 'lab-50');
      assert.equal(waiting.ticket, 'OPS-1');
      assert.equal(waiting.requestedBy, 'alice');
      assert.equal(waiting.progress.phase, 'approval');
      assert.equal(waiting.progress.from, 3);
      assert.equal(waiting.progress.to, 5);
      assert.deepEqual(
        waiting.progress.members.map((m: any) => [m.name, m.stage, m.state]),
        [
          ['etcd4', 'canary', 'verified'],
          ['etcd5', 'batch', 'pending'],
        ],
      );
      assert.ok(waiting.progress.backup?.path);
      assert.equal(waiting.result, undefined);

      const stranger = await call('POST', `/v1/scaleouts/${id}/approve`, {
        body: { by: 'mallory', reason: 'looks fine' },
        token: TOKENS.mallory,
      });
      assert.equal(stranger.status, 409, stranger.text);
      assert.match(
        stranger.json.error,
        /mallory is not an approver of this run \(approvers: alice, bob\)/,
      );

      const bad = await call('POST', `/v1/scaleouts/${id}/approve`, {
        body: { who: 'bob' },
        token: TOKENS.bob,
      });
      assert.equal(bad.status, 400, bad.text);
      assert.deepEqual(bad.json.fields.map((f: any) => f.field).sort(), [
        '(body)',
        'by',
      ]);

      // Roles and identities: a requester cannot decide, and nobody decides in someone else's name.
      const requester = await call('POST', `/v1/scaleouts/${id}/approve`, {
        body: { by: 'rita' },
        token: TOKENS.rita,
      });
      assert.equal(requester.status, 403, requester.text);
      assert.match(
        requester.json.error,
        /rita does not have the approver role/,
      );
      const impostor = await call('POST', `/v1/scaleouts/${id}/approve`, {
        body: { by: 'bob' },
        token: TOKENS.mallory,
      });
      assert.equal(impostor.status, 403, impostor.text);
      assert.match(
        impostor.json.error,
        /by: a decision is made by the token's identity mallory, not "bob"/,
      );
      const waitingStill = await call('GET', `/v1/scaleouts/${id}`);
      assert.equal(
        waitingStill.json.progress.approval.state,
        'waiting',
        'the refused calls decided nothing',
      );

      const ok = await call('POST', `/v1/scaleouts/${id}/approve`, {
        body: { by: 'bob', reason: 'canary healthy' },
        token: TOKENS.bob,
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.approve, true);

      // The decision is taken: a later reject is refused by the workflow.
      const late = await call('POST', `/v1/scaleouts/${id}/reject`, {
        body: { by: 'alice' },
      });
      assert.equal(late.status, 409, late.text);
      assert.match(late.json.error, /no decision is awaited/);

      const done = await waitForStatus(
        id,
        (s) => s.status !== 'RUNNING',
        'completion',
        600_000,
        1000,
      );
      assert.equal(done.status, 'COMPLETED', JSON.stringify(done.failure));
      assert.equal(done.result.from, 3);
      assert.equal(done.result.to, 5);
      assert.deepEqual(
        done.result.membersAfter.map((m: any) => m.name).sort(),
        [...ORIGINAL, 'etcd4', 'etcd5'],
      );
      assert.equal(done.result.etcdServers.length, 5);
      assert.equal(done.result.approval.state, 'approved');
      assert.equal(done.result.approval.decidedBy, 'bob');
      assert.equal(done.progress.phase, 'done');
      assert.ok(done.closeTime);
      await invariants(lab, [...ORIGINAL, 'etcd4', 'etcd5'], keys);

      // Still idempotent after completion: the ticket's run is returned, nothing new starts.
      const replay = await call('POST', '/v1/scaleouts', {
        body: lab.request({
          ticket: { id: 'OPS-1', requestedBy: 'alice' },
          strategy: { approval: 'after-canary', approvers: ['alice', 'bob'] },
        }),
      });
      assert.equal(replay.status, 200, replay.text);
      assert.deepEqual(
        [replay.json.runId, replay.json.status],
        [runId, 'COMPLETED'],
      );
      const cancel = await call('POST', `/v1/scaleouts/${id}/cancel`);
      assert.equal(cancel.status, 409, cancel.text);
      assert.match(cancel.json.error, /already COMPLETED/);
    });

    it('lists the run by cluster and by ticket, through visibility', async () => {
      const byCluster = await waitForList('cluster=lab-50', (items) =>
        items.some((i) => i.workflowId === id && i.status === 'COMPLETED'),
      );
      assert.match(byCluster.query, /EtcdCluster = "lab-50"/);
      const item = byCluster.items.find((i: any) => i.workflowId === id);
      assert.deepEqual(
        [item.runId, item.cluster, item.ticket, item.requestedBy, item.phase],
        [runId, 'lab-50', 'OPS-1', 'alice', 'done'],
      );
      assert.equal(
        item.summary,
        'lab-50: 3 -> 5 members (etcd4, etcd5), ticket OPS-1',
        'the one-line summary set at start',
      );
      const byTicket = await waitForList('ticket=OPS-1', (items) =>
        items.some((i) => i.workflowId === id),
      );
      assert.ok(byTicket.items.every((i: any) => i.ticket === 'OPS-1'));
      const none = await call(
        'GET',
        '/v1/scaleouts?cluster=lab-50&ticket=OPS-2',
      );
      assert.equal(none.status, 200);
      assert.equal(none.json.count, 0);
      const completed = await call(
        'GET',
        '/v1/scaleouts?cluster=lab-50&status=Completed&limit=1',
      );
      assert.equal(completed.json.count, 1);
    });

    it('serves the audit report as JSON and as Markdown', async () => {
      const r = await call('GET', `/v1/scaleouts/${id}/audit`);
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(r.json.workflowId, id);
      assert.equal(r.json.runId, runId);
      assert.equal(r.json.status, 'COMPLETED');
      assert.equal(r.json.cluster, 'lab-50');
      assert.equal(r.json.ticket.id, 'OPS-1');
      assert.ok(
        r.json.approvals.some(
          (a: any) =>
            a.decision === 'approve' &&
            a.by === 'bob' &&
            a.status === 'accepted',
        ),
        JSON.stringify(r.json.approvals),
      );
      assert.equal(r.json.membersAfter.length, 5);
      assert.ok(r.json.phases.some((p: any) => p.phase === 'approval'));

      const md = await call('GET', `/v1/scaleouts/${id}/audit?format=markdown`);
      assert.equal(md.status, 200, md.text);
      assert.match(md.headers.get('content-type') ?? '', /^text\/markdown/);
      assert.ok(
        md.text.startsWith(`# Audit: etcd scale-out ${id}`),
        md.text.slice(0, 200),
      );
      assert.match(md.text, /## Approvals/);
      assert.match(md.text, /\| approve \| bob \|/);

      assert.equal(
        (await call('GET', `/v1/scaleouts/${id}/audit?format=xml`)).status,
        400,
      );
      assert.equal(
        (await call('GET', '/v1/scaleouts/scaleout-nope-X/audit')).status,
        404,
      );
    });
  });

  describe('cancel during the canary (lab 51)', () => {
    const lab51 = new Lab({ block: 51 });
    let keys51: Record<string, string> = {};
    before(async () => {
      await lab51.start();
      keys51 = await lab51.seedKeys(30);
    });
    after(() => lab51.stop());

    it('POST .../cancel (202) rolls the run back: it fails as Cancelled and the cluster has its 3 original members', async () => {
      // Approval after the canary keeps the batch from starting even if the cancel came late.
      const envBefore = lab51.hosts.map((h) => h.envFile());
      const bodyOf = (ticket: string) =>
        lab51.request({
          ticket: { id: ticket, requestedBy: 'dave' },
          strategy: { approval: 'after-canary' },
        });
      // Five concurrent POSTs, two tickets for the same cluster: exactly one run starts; the repeats of
      // its ticket get 200 with that run, the other ticket gets 409 naming it.
      const tickets = ['OPS-10', 'OPS-11', 'OPS-10', 'OPS-11', 'OPS-10'];
      const answers = await Promise.all(
        tickets.map((t) => call('POST', '/v1/scaleouts', { body: bodyOf(t) })),
      );
      const created = answers.filter((a) => a.status === 201);
      assert.equal(
        created.length,
        1,
        answers.map((a) => `${a.status} ${a.text}`).join('\n'),
      );
      const r = created[0];
      const id = r.json.workflowId;
      const winner = id.replace('scaleout-lab-51_', '');
      assert.ok(['OPS-10', 'OPS-11'].includes(winner), id);
      answers.forEach((a, i) => {
        if (a === r) return;
        if (tickets[i] === winner)
          assert.deepEqual(
            [a.status, a.json.workflowId, a.json.runId],
            [200, id, r.json.runId],
            a.text,
          );
        else
          assert.deepEqual(
            [a.status, a.json.running?.workflowId],
            [409, id],
            a.text,
          );
      });
      const loser = winner === 'OPS-10' ? 'OPS-11' : 'OPS-10';
      assert.equal(
        (await call('GET', `/v1/scaleouts/scaleout-lab-51_${loser}`)).status,
        404,
      );
      const seen = await waitForStatus(
        id,
        (s) =>
          s.status !== 'RUNNING' ||
          (s.progress?.phase === 'canary' && !!s.progress.members?.[0]?.id),
        'the canary learner',
        300_000,
        100,
      );
      assert.equal(seen.status, 'RUNNING');
      const c = await call('POST', `/v1/scaleouts/${id}/cancel`);
      assert.equal(c.status, 202, c.text);
      assert.deepEqual(
        [c.json.workflowId, c.json.runId, c.json.status],
        [id, r.json.runId, 'cancel-requested'],
      );
      console.log(
        `      cancel requested in phase ${seen.progress.phase} (${seen.progress.step})`,
      );

      const done = await waitForStatus(
        id,
        (s) => s.status !== 'RUNNING',
        'the end of the rollback',
        300_000,
        500,
      );
      assert.equal(done.status, 'FAILED');
      assert.equal(done.failure.type, 'Cancelled');
      assert.match(
        done.failure.message,
        /failed in canary \(etcd4: \w+\) \(cancelled\)/,
      );
      assert.match(done.failure.message, /undone: .*removed member etcd4/);
      assert.deepEqual(done.failure.details.notUndone, []);
      assert.equal(done.progress.phase, 'failed');
      assert.equal(done.progress.members[0].state, 'rolled-back');
      await invariants(lab51, ORIGINAL, keys51);
      // The nodes are as before: env files restored, no etcd service left running.
      assert.deepEqual(
        lab51.hosts.map((h) => h.envFile()),
        envBefore,
        done.failure.message,
      );
      assert.equal(
        (
          await lab51.hosts[0].ssh('systemctl is-active etcd || true')
        ).stdout.trim(),
        'inactive',
      );

      const again = await call('POST', `/v1/scaleouts/${id}/cancel`);
      assert.equal(again.status, 409);

      // A failed ticket can be retried: the same ticket starts a new run under the same workflow id
      // (cancelled again at once here; whatever it had done is undone).
      const retry = await call('POST', '/v1/scaleouts', {
        body: bodyOf(winner),
      });
      assert.equal(retry.status, 201, retry.text);
      assert.equal(retry.json.workflowId, id);
      assert.notEqual(retry.json.runId, r.json.runId);
      const cancelRetry = await call('POST', `/v1/scaleouts/${id}/cancel`);
      const retried = await waitForStatus(
        id,
        (s) => s.status !== 'RUNNING',
        'the end of the retried run',
        300_000,
        500,
      );
      console.log(
        `      retried run: cancel answered ${cancelRetry.status}; ${retried.failure?.type}: ${retried.failure?.message}`,
      );
      assert.equal(retried.runId, retry.json.runId);
      assert.equal(retried.status, 'FAILED');
      assert.equal(retried.failure.type, 'Cancelled', retried.failure.message);
      await invariants(lab51, ORIGINAL, keys51);
      assert.equal(
        (await call('POST', '/v1/scaleouts/scaleout-nope-X/cancel')).status,
        404,
      );
      assert.equal(
        (
          await call('POST', '/v1/scaleouts/scaleout-nope-X/reject', {
            body: { by: 'x' },
          })
        ).status,
        404,
      );
    });
  });

  describe('reject, with a signed webhook notification (lab 52)', () => {
    const lab52 = new Lab({ block: 52 });
    let keys52: Record<string, string> = {};
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
      await lab52.start();
      keys52 = await lab52.seedKeys(30);
    });
    after(async () => {
      await new Promise((r) => hook?.close(r));
      await lab52.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('carol rejects the canary: the run rolls back, and the webhook gets a signed POST after a retry', async () => {
      const body = {
        ...lab52.request({
          ticket: { id: 'OPS-20', requestedBy: 'erin' },
          strategy: { approval: 'after-canary', approvers: ['carol'] },
        }),
        notify: {
          webhookUrl: `http://127.0.0.1:${HOOK_PORT}/hook`,
          secretFile,
        },
      };
      const r = await call('POST', '/v1/scaleouts', { body });
      assert.equal(r.status, 201, r.text);
      const id = r.json.workflowId;

      const waiting = await waitForStatus(
        id,
        (s) =>
          s.progress?.approval?.state === 'waiting' || s.status !== 'RUNNING',
        'the approval gate',
      );
      assert.equal(waiting.status, 'RUNNING', JSON.stringify(waiting.failure));
      const rej = await call('POST', `/v1/scaleouts/${id}/reject`, {
        body: { by: 'carol', reason: 'p99 latency too high' },
        token: TOKENS.carol,
      });
      assert.equal(rej.status, 200, rej.text);
      assert.equal(rej.json.approve, false);

      const done = await waitForStatus(
        id,
        (s) => s.status !== 'RUNNING',
        'the end of the rollback',
        300_000,
        500,
      );
      assert.equal(done.status, 'FAILED');
      assert.equal(done.failure.type, 'ApprovalRejected');
      assert.match(
        done.failure.message,
        /rejected by carol: p99 latency too high/,
      );
      assert.match(done.failure.message, /undone: .*removed member etcd4/);
      await invariants(lab52, ORIGINAL, keys52);

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

  describe('coverage', () => {
    it('every documented route was exercised, and every route a request reached is documented', () => {
      const documented = new Set<string>(DOCUMENTED_ROUTES);
      assert.deepEqual(
        [...documented].filter((r) => !exercised.has(r)),
        [],
      );
      assert.deepEqual(
        [...exercised].filter((r) => !documented.has(r)),
        [],
      );
    });
  });
});
