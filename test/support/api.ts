/**
 * The HTTP API tests' shared set-up (test/integration/api-*.test.ts): the tokens, an in-process API
 * server on API_PORT that records every route a request reached, lab 50 for the requests and the
 * 3 -> 5 run, and the helpers that call the API and wait on it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Lab } from '../../lab';
import { buildApi } from '../../src/api/server';
import { type ApiToken, tokenDigest } from '../../src/api/tokens';
import { sharedFixture } from './shared';
import { getStack } from './stack';

export const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
export const API_PORT = 18080;
export const API2_PORT = 18081;
export const HOOK_PORT = 18090;
export const TOKEN = randomBytes(24).toString('base64url');
/** One token per person (API_TOKENS_FILE's identities): alice requests and approves, bob, carol and mallory approve, rita only requests. */
export const PEOPLE = {
  bob: ['approver'],
  carol: ['approver'],
  mallory: ['approver'],
  rita: ['requester'],
} as const;
export const TOKENS = Object.fromEntries(
  Object.keys(PEOPLE).map((name) => [
    name,
    randomBytes(24).toString('base64url'),
  ]),
) as Record<keyof typeof PEOPLE, string>;
export const API_TOKENS: ApiToken[] = [
  {
    digest: tokenDigest(TOKEN),
    identity: { name: 'alice', roles: ['requester', 'approver'] },
  },
  ...Object.entries(PEOPLE).map(([name, roles]) => ({
    digest: tokenDigest(TOKENS[name as keyof typeof PEOPLE]),
    identity: { name, roles },
  })),
];
export const BASE = `http://127.0.0.1:${API_PORT}`;

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function call(
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls GET /v1/scaleouts/:id until `pred` holds (of the API at `base`). */
export async function waitForStatus(
  id: string,
  pred: (s: any) => boolean,
  what: string,
  timeoutMs = 300_000,
  everyMs = 250,
  base = BASE,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const r = await call('GET', `/v1/scaleouts/${id}`, { base });
    assert.equal(r.status, 200, r.text);
    last = r.json;
    if (pred(last)) return last;
    await sleep(everyMs);
  }
  throw new Error(
    `${what} not reached within ${timeoutMs / 1000}s; last status: ${JSON.stringify(last).slice(0, 2000)}`,
  );
}

/** Polls GET /v1/scaleouts/:id until the run has ended (a rollback can take minutes). */
export const waitForEnd = (id: string, what: string): Promise<any> =>
  waitForStatus(id, (s) => s.status !== 'RUNNING', what, 300_000, 500);

/** Polls GET /v1/scaleouts/:id until the run waits at its approval gate, and asserts it still runs. */
export async function waitForApprovalGate(id: string): Promise<any> {
  const waiting = await waitForStatus(
    id,
    (s) => s.progress?.approval?.state === 'waiting' || s.status !== 'RUNNING',
    'the approval gate',
  );
  assert.equal(
    waiting.status,
    'RUNNING',
    JSON.stringify(waiting.failure ?? waiting.progress),
  );
  return waiting;
}

/** Polls the list route until `pred` holds (visibility is eventually consistent). */
export async function waitForList(
  query: string,
  pred: (items: any[]) => boolean,
  timeoutMs = 30_000,
  base = BASE,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const r = await call('GET', `/v1/scaleouts?${query}`, { base });
    assert.equal(r.status, 200, r.text);
    last = r.json;
    if (pred(last.items)) return last;
    await sleep(300);
  }
  throw new Error(
    `list ?${query} did not match within ${timeoutMs / 1000}s: ${JSON.stringify(last)}`,
  );
}

export async function memberNames(lab: Lab): Promise<string[]> {
  const c = lab.cluster.client();
  try {
    return (await c.cluster.memberList({})).members.map((m) => m.name).sort();
  } finally {
    c.close();
  }
}

/** lab.checkInvariants, repeated for a few seconds in case a member has just been restarted/removed. */
export async function invariants(
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

/** `METHOD /path/{param}` of every route a request to the in-process API server reached (api-coverage.test.ts checks them). */
export const exercised = new Set<string>();

/** The in-process API server on API_PORT (alice's TOKEN and the PEOPLE's tokens), for the describe block that calls it. */
export function useApi(): void {
  let app: FastifyInstance | undefined;
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
  });
  after(async () => {
    await app?.close();
  });
}

/**
 * Lab 50 with 50 seeded keys, shared by the API's health, authentication and bad-input tests and its
 * 3 -> 5 run (started once, for all of them); call it inside each describe that uses it.
 */
export const useLab50 = sharedFixture(
  async () => {
    const lab = new Lab({ block: 50 });
    await lab.start();
    return { lab, keys: await lab.seedKeys(50) };
  },
  ({ lab }) => lab.stop(),
);
