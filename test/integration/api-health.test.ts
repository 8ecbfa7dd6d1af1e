/**
 * The HTTP API on the real stack (test/support/api.ts), health and authentication: /healthz, Temporal
 * unreachable or lacking the search attributes, and requests without the right bearer token (lab 50).
 */
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import type { Lab } from '../../lab';
import { buildApi } from '../../src/api/server';
import { call, sleep, TOKEN, useApi, useLab50 } from '../support/api';
import { getStack } from '../support/stack';

describe('HTTP API on the real stack', () => {
  useApi();
  const fixture = useLab50();
  let lab: Lab;
  before(() => {
    ({ lab } = fixture());
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
        // No token here: the answer is in the API's words, Temporal's own text stays in the log.
        assert.match(h.json.temporal.error, /^Temporal did not answer the API/);
        assert.doesNotMatch(
          h.json.temporal.error,
          /18099|127\.0\.0\.1|UNAVAILABLE|ECONNREFUSED|DEADLINE|connect/,
          'healthz echoes no address or gRPC error',
        );
        assert.ok(!h.text.includes('18099'), h.text);
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
  });
});
