/** Refused requests: every case of test/support/badRequests, on http and https, each naming its field. */
import assert from 'node:assert/strict';
import {
  formatErrors,
  validateRequest,
} from '../../../../src/domain/request/request';
import { badRequests, sampleRequest } from '../../../support/badRequests';
import { httpsRequest, refused, valid } from '../../../support/request';

describe('request validation', () => {
  describe('refusals', () => {
    it('never throws, whatever the input', () => {
      for (const raw of [
        null,
        undefined,
        42,
        'etcd4',
        [],
        {},
        { cluster: null },
        { newMembers: [null, 'x', 5] },
        { cluster: { endpoints: [null, {}] } },
      ]) {
        const v = validateRequest(raw);
        assert.equal(v.ok, false);
        if (!v.ok) {
          assert.ok(v.errors.length > 0);
          for (const e of v.errors)
            assert.ok(e.field && e.message, JSON.stringify(e));
        }
      }
    });

    it('names every missing required field', () => {
      const msg = refused({});
      for (const f of ['cluster', 'newMembers', 'ssh'])
        assert.match(msg, new RegExp(`(^|; )${f}: is required`));
    });

    it('prints each error as <field path>: <message>, joined by "; "', () => {
      const r = sampleRequest();
      r.newMembers[0].name = 'Bad Name';
      r.ssh.port = 0;
      const v = validateRequest(r);
      assert.equal(v.ok, false);
      if (v.ok) return;
      assert.deepEqual(
        v.errors.map((e) => e.field),
        ['newMembers[0].name', 'ssh.port'],
      );
      assert.equal(
        formatErrors(v.errors),
        v.errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      );
    });

    for (const [label, good] of [
      ['http', sampleRequest],
      ['https', httpsRequest],
    ] as const) {
      describe(`every case of test/support/badRequests/ (${label} sample)`, () => {
        const cases = badRequests(good());
        it('has at least 32 distinct cases that do not change the sample', () => {
          assert.ok(cases.length >= 32, `only ${cases.length}`);
          assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
          assert.equal(
            new Set(cases.map((c) => JSON.stringify(c.request))).size,
            cases.length,
            'two cases build the same request',
          );
          const g = good();
          const before = JSON.stringify(g);
          badRequests(g);
          assert.equal(
            JSON.stringify(g),
            before,
            'badRequests changed the good request',
          );
          valid(g);
        });
        for (const c of cases) {
          it(`refuses ${c.name}, naming the field`, () =>
            assert.match(refused(c.request), c.field));
        }
      });
    }
  });
});
