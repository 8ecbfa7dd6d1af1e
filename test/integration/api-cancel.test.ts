/**
 * The HTTP API on the real stack (test/support/api.ts): cancelling a run during the canary (lab 51).
 */
import assert from 'node:assert/strict';
import {
  call,
  invariants,
  ORIGINAL,
  useApi,
  waitForEnd,
  waitForStatus,
} from '../support/api';
import { useSeededLab } from '../support/labs';

describe('HTTP API on the real stack', () => {
  useApi();

  describe('cancel during the canary (lab 51)', () => {
    const { lab, keys } = useSeededLab({ block: 51 }, 30);

    it('POST .../cancel (202) rolls the run back: it fails as Cancelled and the cluster has its 3 original members', async () => {
      // Approval after the canary keeps the batch from starting even if the cancel came late.
      const envBefore = lab().hosts.map((h) => h.envFile());
      const bodyOf = (ticket: string) =>
        lab().request({
          ticket: { id: ticket },
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

      const done = await waitForEnd(id, 'the end of the rollback');
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
      await invariants(lab(), ORIGINAL, keys());
      // The nodes are as before: env files restored, no etcd service left running.
      assert.deepEqual(
        lab().hosts.map((h) => h.envFile()),
        envBefore,
        done.failure.message,
      );
      assert.equal(
        (
          await lab().hosts[0].ssh('systemctl is-active etcd || true')
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
      const retried = await waitForEnd(id, 'the end of the retried run');
      console.log(
        `      retried run: cancel answered ${cancelRetry.status}; ${retried.failure?.type}: ${retried.failure?.message}`,
      );
      assert.equal(retried.runId, retry.json.runId);
      assert.equal(retried.status, 'FAILED');
      assert.equal(retried.failure.type, 'Cancelled', retried.failure.message);
      await invariants(lab(), ORIGINAL, keys());
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
});
