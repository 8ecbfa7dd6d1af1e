/**
 * The HTTP API on the real stack (test/support/api.ts): runs tied to who started them (issue 17) on
 * lab 57. The requester is the token's identity; another identity cannot take the ticket over, nor
 * cancel the run without the approver role; under four eyes the requester cannot approve; the
 * canceller is in the history and the audit.
 */
import assert from 'node:assert/strict';
import {
  call,
  invariants,
  ORIGINAL,
  TOKENS,
  useApi,
  waitForApprovalGate,
  waitForEnd,
} from '../support/api';
import { useSeededLab } from '../support/labs';
import { getStack } from '../support/stack';

describe('HTTP API on the real stack', () => {
  useApi();

  describe('runs belong to their requester (lab 57)', () => {
    const { lab, keys } = useSeededLab({ block: 57 }, 20);

    it('sets the requester from the token, refuses a takeover of the ticket, self-approval under four eyes and a stranger cancel; records the canceller', async () => {
      const body = (requestedBy?: string) =>
        lab().request({
          ticket: {
            id: 'OPS-57',
            ...(requestedBy ? { requestedBy } : {}),
          },
          strategy: { approval: 'after-canary', fourEyes: true },
        });

      // A body that names another requester is refused, naming the field; nothing starts.
      const impostor = await call('POST', '/v1/scaleouts', {
        body: body('bob'),
        token: TOKENS.rita,
      });
      assert.equal(impostor.status, 403, impostor.text);
      assert.deepEqual(
        impostor.json.fields.map((f: any) => f.field),
        ['ticket.requestedBy'],
      );
      assert.match(impostor.json.error, /token's identity rita, not "bob"/);

      // alice (requester and approver) starts it; her identity is the requester.
      const r = await call('POST', '/v1/scaleouts', { body: body() });
      assert.equal(r.status, 201, r.text);
      const id = r.json.workflowId;
      assert.equal(
        (await call('POST', '/v1/scaleouts', { body: body('alice') })).status,
        200,
        'the same ticket again by its requester is idempotent',
      );

      // rita sends the same ticket: it is alice's; the answer names no run id, requester or request.
      const takeover = await call('POST', '/v1/scaleouts', {
        body: body(),
        token: TOKENS.rita,
      });
      assert.equal(takeover.status, 409, takeover.text);
      assert.deepEqual(Object.keys(takeover.json).sort(), [
        'error',
        'workflowId',
      ]);
      assert.match(
        takeover.json.error,
        /requested by another identity|another identity requested/,
      );
      assert.ok(!takeover.text.includes(r.json.runId));
      assert.ok(!takeover.text.includes('alice'));

      const waiting = await waitForApprovalGate(id);
      assert.equal(waiting.requestedBy, 'alice');

      // Four eyes: alice requested it, so alice may not approve it (the workflow's validator says why).
      const self = await call('POST', `/v1/scaleouts/${id}/approve`, {
        body: { by: 'alice' },
      });
      assert.equal(self.status, 409, self.text);
      assert.match(
        self.json.error,
        /^by: alice requested this run, and strategy\.fourEyes needs the decision of someone else/,
      );

      // rita neither requested it nor approves: she may not cancel it.
      const stranger = await call('POST', `/v1/scaleouts/${id}/cancel`, {
        token: TOKENS.rita,
      });
      assert.equal(stranger.status, 403, stranger.text);
      assert.match(stranger.json.error, /rita may not cancel/);
      const still = await call('GET', `/v1/scaleouts/${id}`);
      assert.deepEqual(
        [still.json.status, still.json.progress.approval.state],
        ['RUNNING', 'waiting'],
        'the refused calls changed nothing',
      );
      // The worker stays up after the refused self-approval: it runs the cancel and rollback below.
      assert.equal((await getStack()).worker.getState(), 'RUNNING');

      // bob approves for a living: he may cancel, and his identity lands in the history.
      const cancel = await call('POST', `/v1/scaleouts/${id}/cancel`, {
        token: TOKENS.bob,
      });
      assert.equal(cancel.status, 202, cancel.text);
      const done = await waitForEnd(id, 'the end of the rollback');
      assert.equal(done.failure?.type, 'Cancelled', JSON.stringify(done));
      await invariants(lab(), ORIGINAL, keys());
      const audit = await call('GET', `/v1/scaleouts/${id}/audit`);
      assert.equal(audit.status, 200, audit.text);
      assert.deepEqual(
        audit.json.cancelRequests.map((c: any) => [c.identity, c.cause]),
        [['bob (etcd-scaleout API)', 'cancelled by bob through the HTTP API']],
      );
      assert.equal(audit.json.ticket.requestedBy, 'alice');
      const md = await call('GET', `/v1/scaleouts/${id}/audit?format=markdown`);
      assert.match(md.text, /by bob \(etcd-scaleout API\): cancelled by bob/);

      // The failed ticket is still alice's: rita cannot retry it under her name.
      const retry = await call('POST', '/v1/scaleouts', {
        body: body(),
        token: TOKENS.rita,
      });
      assert.equal(retry.status, 409, retry.text);

      // rita's own run: she may cancel it herself.
      const own = await call('POST', '/v1/scaleouts', {
        body: lab().request({ ticket: { id: 'OPS-58' } }),
        token: TOKENS.rita,
      });
      assert.equal(own.status, 201, own.text);
      const c = await call(
        'POST',
        `/v1/scaleouts/${own.json.workflowId}/cancel`,
        {
          token: TOKENS.rita,
        },
      );
      assert.equal(c.status, 202, c.text);
      const ended = await waitForEnd(
        own.json.workflowId,
        "the end of rita's run",
      );
      assert.equal(ended.failure?.type, 'Cancelled', JSON.stringify(ended));
      await invariants(lab(), ORIGINAL, keys());
    });
  });
});
