/**
 * The HTTP API on the real stack (test/support/api.ts): bad input is refused naming the fields and
 * changes nothing on lab 50, and the OpenAPI document describes every route.
 */
import assert from 'node:assert/strict';
import type { Lab } from '../../lab';
import { DOCUMENTED_ROUTES } from '../../src/api/openapi';
import {
  call,
  invariants,
  memberNames,
  ORIGINAL,
  sleep,
  useApi,
  useLab50,
} from '../support/api';

describe('HTTP API on the real stack', () => {
  useApi();
  const fixture = useLab50();
  let lab: Lab;
  let keys: Record<string, string> = {};
  before(() => {
    ({ lab, keys } = fixture());
  });

  describe('health, authentication, the OpenAPI document and bad input', () => {
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
        {
          // decodeURIComponent's URIError used to escape the validators: a 500 here.
          edit: (x) =>
            (x.notify = { webhookUrl: 'https://tickets.example.com/hook/%zz' }),
          field: 'notify.webhookUrl',
          message: /malformed %-escape/,
        },
        {
          edit: (x) =>
            (x.notify = {
              webhookUrl: 'http://169.254.169.254/latest/meta-data',
            }),
          field: 'notify.webhookUrl',
          message: /link-local/,
        },
        {
          edit: (x) =>
            (x.notify = {
              webhookUrl: 'https://tickets.example.com/hooks/etcd',
              secretFile: '/dev/zero',
            }),
          field: 'notify.secretFile',
          message: /not a device/,
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
});
