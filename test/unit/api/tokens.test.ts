/** API tokens: the tokens file, the older single token, and roles enforced per route (Fastify inject, no Temporal). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import {
  identityOf,
  needsRole,
  requireBearerToken,
} from '../../../src/api/auth';
import { registerErrorHandling } from '../../../src/api/errors';
import {
  type ApiToken,
  parseTokensFile,
  readApiTokens,
  singleToken,
} from '../../../src/api/tokens';
import { testTempDir } from '../../support/tempDirs';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const FILE = [
  '# tokens',
  `${sha('tok-alice')} alice requester`,
  '',
  `${sha('tok-bob')}   bob approver,requester`,
  `${sha('tok-carol')} carol approver`,
].join('\n');

describe('API tokens file', () => {
  it('maps token digests to identities with roles', () => {
    const tokens = parseTokensFile(FILE, 'tokens');
    assert.deepEqual(
      tokens.map((t) => [
        t.digest.toString('hex'),
        t.identity.name,
        t.identity.roles,
      ]),
      [
        [sha('tok-alice'), 'alice', ['requester']],
        [sha('tok-bob'), 'bob', ['approver', 'requester']],
        [sha('tok-carol'), 'carol', ['approver']],
      ],
    );
  });

  it('refuses bad lines naming the line, never its content', () => {
    const bad: Array<[string, RegExp]> = [
      [`${sha('x')} alice`, /line 1: expected/],
      [
        'tok-in-clear alice requester',
        /line 1: the first column must be the token's SHA-256/,
      ],
      [`${sha('x')} al/ice requester`, /line 1: the identity must be/],
      [`${sha('x')} alice admin`, /line 1: unknown role\(s\) admin/],
      [
        `${sha('x')} alice requester\n${sha('x')} bob approver`,
        /line 2: the same token is listed twice/,
      ],
      ['# nothing', /lists no token/],
    ];
    for (const [text, message] of bad) {
      assert.throws(() => parseTokensFile(text, 'tokens'), message);
      assert.throws(
        () => parseTokensFile(text, 'tokens'),
        (e: Error) => !e.message.includes('tok-in-clear'),
      );
    }
  });

  it('reads API_TOKENS_FILE first; the older single token is one identity with both roles', () => {
    const dir = testTempDir('api-tokens-');
    writeFileSync(join(dir, 'tokens'), FILE);
    writeFileSync(join(dir, 'token'), 'single-token\n');
    assert.equal(
      readApiTokens({ API_TOKENS_FILE: join(dir, 'tokens'), API_TOKEN: 'x' })
        .length,
      3,
    );
    const [legacy] = readApiTokens({ API_TOKEN_FILE: join(dir, 'token') });
    assert.deepEqual(legacy.identity, {
      name: 'api',
      roles: ['requester', 'approver'],
    });
    assert.equal(legacy.digest.toString('hex'), sha('single-token'));
    assert.equal(
      readApiTokens({ API_TOKEN: 'abc', API_TOKEN_IDENTITY: 'ticketing' })[0]
        .identity.name,
      'ticketing',
    );
    assert.throws(() => readApiTokens({}), /no API token: set API_TOKEN_FILE/);
    assert.throws(
      () => readApiTokens({ API_TOKENS_FILE: join(dir, 'missing') }),
      /cannot read API_TOKENS_FILE .*ENOENT/,
    );
  });
});

describe('API roles', () => {
  async function app(tokens: ApiToken[]) {
    const a = Fastify();
    requireBearerToken(a, tokens);
    registerErrorHandling(a);
    a.post('/start', { config: needsRole('requester') }, async (r) => ({
      by: identityOf(r).name,
    }));
    a.post('/decide', { config: needsRole('approver') }, async (r) => ({
      by: identityOf(r).name,
    }));
    a.get('/read', async (r) => ({ by: identityOf(r).name }));
    await a.ready();
    return a;
  }
  const call = async (
    a: Awaited<ReturnType<typeof app>>,
    method: 'GET' | 'POST',
    url: string,
    token?: string,
  ) => {
    const r = await a.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: r.statusCode, json: r.json() };
  };

  it('lets a requester start but not decide, an approver decide but not start, anyone read', async () => {
    const a = await app(parseTokensFile(FILE, 'tokens'));
    assert.deepEqual(await call(a, 'POST', '/start', 'tok-alice'), {
      status: 200,
      json: { by: 'alice' },
    });
    const refused = await call(a, 'POST', '/decide', 'tok-alice');
    assert.equal(refused.status, 403);
    assert.match(
      refused.json.error,
      /alice does not have the approver role \(roles: requester\)/,
    );
    assert.equal((await call(a, 'POST', '/start', 'tok-carol')).status, 403);
    assert.deepEqual(await call(a, 'POST', '/decide', 'tok-carol'), {
      status: 200,
      json: { by: 'carol' },
    });
    assert.deepEqual(await call(a, 'POST', '/decide', 'tok-bob'), {
      status: 200,
      json: { by: 'bob' },
    });
    assert.deepEqual(await call(a, 'GET', '/read', 'tok-alice'), {
      status: 200,
      json: { by: 'alice' },
    });
    for (const token of [undefined, 'tok-nobody', sha('tok-alice')])
      assert.equal(
        (await call(a, 'GET', '/read', token)).status,
        401,
        String(token),
      );
    await a.close();
  });

  it('gives the older single token both roles', async () => {
    const a = await app([singleToken('only')]);
    assert.deepEqual(await call(a, 'POST', '/start', 'only'), {
      status: 200,
      json: { by: 'api' },
    });
    assert.deepEqual(await call(a, 'POST', '/decide', 'only'), {
      status: 200,
      json: { by: 'api' },
    });
    await a.close();
  });
});
