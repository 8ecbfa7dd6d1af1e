/**
 * The HTTP API's other runs on the real stack (test/support/api.ts), lab 58: a scale-in started
 * through POST /v1/scaleins completes (3 -> 5 by the API's scale-out first, then 5 -> 3), read by the
 * same status, list and audit routes as a scale-out and holding the same one-run-per-cluster guard;
 * and replacement requests with a bad field are refused by POST /v1/replacements naming it, and one
 * naming a member the cluster does not have is started and fails in preflight naming it.
 */
import assert from 'node:assert/strict';
import { Lab } from '../../lab';
import {
  call,
  invariants,
  memberNames,
  ORIGINAL,
  useApi,
  waitForList,
  waitForStatus,
} from '../support/api';

const BLOCK = 58;

describe('HTTP API on the real stack', () => {
  useApi();

  describe(`scale-in and replacement routes (lab ${BLOCK})`, () => {
    const lab = new Lab({ block: BLOCK });
    let keys: Record<string, string> = {};
    before(async function () {
      this.timeout(120_000);
      await lab.start();
      keys = await lab.seedKeys(30);
    });
    after(() => lab.stop());

    /** A whole scale-in request: the lab's settings, the members to remove, the ticket. */
    const scaleInBody = (removeMembers: string[], ticket: string) => {
      const { newMembers: _, ...settings } = lab.request({
        ticket: { id: ticket },
      }) as Record<string, unknown>;
      return { ...settings, removeMembers };
    };
    const replaceBody = (extra: Record<string, unknown>) => ({
      ...lab.request({ ticket: { id: 'OPS-REPL-1' } }),
      newMembers: lab.request().newMembers.slice(0, 1),
      replaceMember: 'etcd2',
      ...extra,
    });

    it('refuses replacement and scale-in requests with a bad field (400 naming it), and a body of another kind, changing nothing', async () => {
      const before = await memberNames(lab);
      const cases: Array<{
        path: string;
        body: unknown;
        field: string;
        message: RegExp;
      }> = [
        {
          path: '/v1/replacements',
          body: replaceBody({ replaceMember: 'Etcd 2' }),
          field: 'replaceMember',
          message: /lowercase/,
        },
        {
          path: '/v1/replacements',
          body: replaceBody({ replaceMember: undefined }),
          field: 'replaceMember',
          message: /etcd name of the member to replace/,
        },
        {
          path: '/v1/replacements',
          body: replaceBody({ newMembers: lab.request().newMembers }),
          field: 'newMembers',
          message: /exactly one member/,
        },
        {
          path: '/v1/scaleins',
          body: scaleInBody([], 'OPS-IN-0'),
          field: 'removeMembers',
          message: /at least one member/,
        },
        // The route says the kind: a scale-in's body sent to the scale-out route starts nothing.
        {
          path: '/v1/scaleouts',
          body: scaleInBody(['etcd3'], 'OPS-IN-0'),
          field: '(request)',
          message: /unknown field\(s\): removeMembers/,
        },
      ];
      for (const c of cases) {
        const r = await call('POST', c.path, { body: c.body });
        assert.equal(r.status, 400, `${c.path}: ${r.text}`);
        const f = r.json.fields.find(
          (x: { field: string }) => x.field === c.field,
        );
        assert.ok(f, `${c.path}: no ${c.field} in ${r.text}`);
        assert.match(f.message, c.message, r.text);
      }
      assert.deepEqual(await memberNames(lab), before);
    });

    it('a scale-in started through POST /v1/scaleins completes 5 -> 3, read by the status, list and audit routes', async () => {
      const grow = await call('POST', '/v1/scaleouts', {
        body: lab.request({ ticket: { id: 'OPS-OUT-58' } }),
      });
      assert.equal(grow.status, 201, grow.text);
      const grown = await waitForStatus(
        grow.json.workflowId,
        (s) => s.status !== 'RUNNING',
        'the scale-out',
      );
      assert.equal(grown.status, 'COMPLETED', JSON.stringify(grown.failure));
      assert.deepEqual(await memberNames(lab), [...ORIGINAL, 'etcd4', 'etcd5']);

      const t0 = Date.now();
      const body = scaleInBody(['etcd4', 'etcd5'], 'OPS-IN-58');
      const r = await call('POST', '/v1/scaleins', { body });
      assert.equal(r.status, 201, r.text);
      const id = r.json.workflowId;
      assert.equal(id, 'scalein-lab-58_OPS-IN-58');
      assert.equal(r.json.workflowType, 'scaleInEtcd');
      assert.equal(r.headers.get('location'), `/v1/scaleouts/${id}`);
      // One run per ticket: the same request again is that run; another ticket's change of the
      // cluster, of any kind, waits for it (409 naming the scale-in).
      const again = await call('POST', '/v1/scaleins', { body });
      assert.deepEqual(
        [again.status, again.json.workflowId, again.json.alreadyStarted],
        [200, id, true],
        again.text,
      );
      const changed = await call('POST', '/v1/scaleins', {
        body: scaleInBody(['etcd5'], 'OPS-IN-58'),
      });
      assert.equal(changed.status, 409, changed.text);
      assert.deepEqual(
        changed.json.differences,
        ['removeMembers'],
        changed.text,
      );
      const other = await call('POST', '/v1/scaleouts', {
        body: lab.request({ ticket: { id: 'OPS-OUT-59' } }),
      });
      // (The scale-in is still in its first phases: validate, preflight, backup take seconds.)
      assert.equal(other.status, 409, other.text);
      assert.equal(other.json.running.workflowId, id, other.text);
      assert.equal(other.json.running.workflowType, 'scaleInEtcd');
      assert.match(other.json.error, /already has a running scale-in/);

      const done = await waitForStatus(
        id,
        (s) => s.status !== 'RUNNING',
        'the scale-in',
      );
      const tookMs = Date.now() - t0;
      assert.equal(done.status, 'COMPLETED', JSON.stringify(done.failure));
      assert.equal(done.workflowType, 'scaleInEtcd');
      assert.equal(done.requestedBy, 'alice');
      assert.deepEqual(
        done.result.removed.map((x: { member: string }) => x.member),
        ['etcd4', 'etcd5'],
      );
      assert.deepEqual([done.result.from, done.result.to], [5, 3]);
      await invariants(lab, ORIGINAL, keys);
      console.log(`      (scale-in 5 -> 3 through the API: ${tookMs} ms)`);

      const listed = await waitForList(
        'cluster=lab-58&type=scaleInEtcd',
        (items) => items.some((i) => i.workflowId === id),
      );
      assert.ok(
        listed.items.every(
          (i: { workflowType: string }) => i.workflowType === 'scaleInEtcd',
        ),
        JSON.stringify(listed.items),
      );
      const all = await waitForList('cluster=lab-58', (items) =>
        [grow.json.workflowId, id].every((w) =>
          items.some((i) => i.workflowId === w),
        ),
      );
      assert.match(all.query, /WorkflowType = "scaleInEtcd" OR/);
      const audit = await call('GET', `/v1/scaleouts/${id}/audit`);
      assert.equal(audit.status, 200, audit.text);
      assert.equal(audit.json.workflowType, 'scaleInEtcd');
      assert.ok(
        audit.json.phases.some((p: { phase: string }) => p.phase === 'remove'),
        JSON.stringify(audit.json.phases),
      );

      // A cancellation's reason is checked before anything is asked of the run.
      const badCancel = await call('POST', `/v1/scaleouts/${id}/cancel`, {
        body: { reason: ' ' },
      });
      assert.equal(badCancel.status, 400, badCancel.text);
      assert.equal(badCancel.json.fields[0].field, 'reason');
      const late = await call('POST', `/v1/scaleouts/${id}/cancel`, {
        body: { reason: 'too late' },
      });
      assert.equal(late.status, 409, late.text);
    });

    it('a replacement naming a member the cluster does not have fails in preflight naming it, changing nothing', async () => {
      const before = await memberNames(lab);
      const r = await call('POST', '/v1/replacements', {
        body: replaceBody({ replaceMember: 'etcd9' }),
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.workflowId, 'replace-lab-58_OPS-REPL-1');
      assert.equal(r.json.workflowType, 'replaceEtcdMember');
      const done = await waitForStatus(
        r.json.workflowId,
        (s) => s.status !== 'RUNNING',
        'the replacement',
      );
      assert.equal(done.status, 'FAILED', JSON.stringify(done));
      assert.equal(done.failure.type, 'PreflightFailed', done.failure.message);
      assert.match(
        done.failure.message,
        /no member of cluster lab-58 is named "etcd9" \(members: etcd\d, etcd\d, etcd\d\); names are matched exactly/,
      );
      const audit = await call(
        'GET',
        `/v1/scaleouts/${r.json.workflowId}/audit`,
      );
      assert.equal(audit.status, 200, audit.text);
      assert.deepEqual(
        audit.json.phases.map((p: { phase: string }) => p.phase),
        ['validate', 'preflight', 'failed'],
      );
      assert.deepEqual(await memberNames(lab), before);
      await invariants(lab, ORIGINAL, keys);
    });
  });
});
