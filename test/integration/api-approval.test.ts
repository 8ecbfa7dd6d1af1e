/**
 * The HTTP API on the real stack (test/support/api.ts): 3 -> 5 on lab 50 with approval after the
 * canary, started, repeated, listed, decided and audited through the API.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Lab } from '../../lab';
import { buildApi } from '../../src/api/server';
import {
  API2_PORT,
  call,
  invariants,
  ORIGINAL,
  TOKEN,
  TOKENS,
  useApi,
  useLab50,
  waitForApprovalGate,
  waitForList,
  waitForStatus,
} from '../support/api';
import { repeatLatency, spread } from '../support/apiLatency';
import { getStack } from '../support/stack';
// The bad-input tests find no run of lab-50: they run before this one's, whichever file mocha loads first.
import './api-validation.test';

describe('HTTP API on the real stack', () => {
  useApi();
  const fixture = useLab50();
  let lab: Lab;
  let keys: Record<string, string> = {};
  before(() => {
    ({ lab, keys } = fixture());
  });

  describe('3 -> 5 with approval, through the API (lab 50)', () => {
    const id = 'scaleout-lab-50_OPS-1';
    /** The run's request: alice's ticket OPS-1, approval by alice or bob after the canary. */
    const ops1 = () =>
      lab.request({
        ticket: { id: 'OPS-1', requestedBy: 'alice' },
        strategy: { approval: 'after-canary', approvers: ['alice', 'bob'] },
      });
    /** POST /v1/scaleouts/{id}/approve or /reject with `body`, as the holder of `token` (alice's by default). */
    const decide = (
      decision: 'approve' | 'reject',
      body: unknown,
      token?: string,
    ) => call('POST', `/v1/scaleouts/${id}/${decision}`, { body, token });
    let runId = '';
    let app2: FastifyInstance | undefined;
    after(async () => {
      await app2?.close();
    });

    it('POST starts it (201), the same ticket again is idempotent (200), and another ticket for the cluster gets 409', async () => {
      const body = ops1();
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
        ticket: { id: 'OPS-1' },
        strategy: { approval: 'after-canary', approvers: ['mallory'] },
      });
      const conflict = await call('POST', '/v1/scaleouts', { body: changed });
      assert.equal(conflict.status, 409, conflict.text);
      assert.deepEqual(
        conflict.json.differences,
        ['strategy.approvers'],
        conflict.text,
      );
      assert.match(
        conflict.json.error,
        /ticket OPS-1 already has run scaleout-lab-50_OPS-1 .*for a different request: strategy\.approvers differ/,
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
        body: lab.request({ ticket: { id: 'OPS-2' } }),
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
      const early = await decide('approve', { by: 'bob' }, TOKENS.bob);
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
      const { post, get } = await repeatLatency(ops1(), id, runId, 20);
      console.log(
        `      latency (median of 20, dev server, 2 cores shared): POST /v1/scaleouts idempotent repeat ${spread(post)}; GET /v1/scaleouts/{id} ${spread(get)}`,
      );
    });

    it('GET shows the progress; an unknown approver gets 409; bob approves; the run completes with 5 members', async () => {
      const waiting = await waitForApprovalGate(id);
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

      const stranger = await decide(
        'approve',
        { by: 'mallory', reason: 'looks fine' },
        TOKENS.mallory,
      );
      assert.equal(stranger.status, 409, stranger.text);
      assert.match(
        stranger.json.error,
        /mallory is not an approver of this run \(approvers: alice, bob\)/,
      );

      const bad = await decide('approve', { who: 'bob' }, TOKENS.bob);
      assert.equal(bad.status, 400, bad.text);
      assert.deepEqual(bad.json.fields.map((f: any) => f.field).sort(), [
        '(body)',
        'by',
      ]);

      // Roles and identities: a requester cannot decide, and nobody decides in someone else's name.
      const requester = await decide('approve', { by: 'rita' }, TOKENS.rita);
      assert.equal(requester.status, 403, requester.text);
      assert.match(
        requester.json.error,
        /rita does not have the approver role/,
      );
      const impostor = await decide('approve', { by: 'bob' }, TOKENS.mallory);
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

      const ok = await decide(
        'approve',
        { by: 'bob', reason: 'canary healthy' },
        TOKENS.bob,
      );
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.approve, true);

      // The decision is taken: a later reject is refused by the workflow.
      const late = await decide('reject', { by: 'alice' });
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
        body: ops1(),
      });
      assert.equal(replay.status, 200, replay.text);
      assert.deepEqual(
        [replay.json.runId, replay.json.status],
        [runId, 'COMPLETED'],
      );
      const cancel = await call('POST', `/v1/scaleouts/${id}/cancel`);
      assert.equal(cancel.status, 409, cancel.text);
      assert.match(cancel.json.error, /already ended \(COMPLETED\)/);
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
        'lab-50: add etcd4, etcd5, ticket OPS-1',
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
});
