/**
 * The `etcd-scaleout` command line on the real stack (test/support/cli.ts): approval after the
 * canary, decided through the CLI (lab 47).
 */
import assert from 'node:assert/strict';
import { Lab } from '../../lab';
import type { AuditReport } from '../../src/audit';
import {
  cli,
  ORIGINAL,
  progressOf,
  show,
  until,
  useCli,
  writeRequest,
} from '../support/cli';
import { getStack } from '../support/stack';

describe('etcd-scaleout CLI on the real stack', () => {
  useCli();

  describe('approval after the canary, decided through the CLI', () => {
    const lab = new Lab({ block: 47 });
    after(() => lab.stop());

    it('refuses a non-approver and a decision in the wrong phase, accepts alice, and the audit shows who and when', async () => {
      await lab.start();
      const keys = await lab.seedKeys(20);
      const file = writeRequest(
        lab,
        'request.json',
        lab.request({
          strategy: { approval: 'after-canary', approvers: ['alice'] },
          ticket: { id: 'CHG-47', requestedBy: 'carol' },
        }),
      );
      const s = await cli(['start', file]);
      assert.equal(s.code, 0, show(s));
      const workflowId = s.stdout.trim();
      assert.equal(workflowId, 'scaleout-lab-47_CHG-47');

      // Too early: the canary has not been verified yet, no decision is awaited.
      const early = await cli(['approve', workflowId, '--by', 'alice']);
      assert.equal(early.code, 2, show(early));
      assert.match(
        early.stderr,
        /approve refused by run scaleout-lab-47_CHG-47: no decision is awaited: the run is in phase (validate|preflight|backup|canary|verify)/,
      );

      // --watch follows the run to its end (started now, checked at the end).
      const watching = cli([
        'status',
        workflowId,
        '--watch',
        '--json',
        '--interval',
        '0.5',
      ]);

      await until(
        'approval.state waiting',
        async () =>
          (await progressOf(workflowId))?.approval.state === 'waiting'
            ? true
            : undefined,
        180_000,
      );
      const st = await cli(['status', workflowId]);
      assert.equal(st.code, 0, show(st));
      assert.match(st.stdout, /^phase +approval$/m);
      assert.match(
        st.stdout,
        /^approval +WAITING since .*deadline .*etcd-scaleout approve\|reject scaleout-lab-47_CHG-47 --by NAME/m,
      );
      assert.match(st.stdout, /^ {2}etcd4 +canary +verified/m);
      assert.match(st.stdout, /^ {2}etcd5 +batch +pending/m);

      const bob = await cli([
        'approve',
        workflowId,
        '--by',
        'bob',
        '--reason',
        'lgtm',
      ]);
      assert.equal(bob.code, 2, show(bob));
      assert.match(
        bob.stderr,
        /approve refused by run scaleout-lab-47_CHG-47: by: bob is not an approver of this run \(approvers: alice\)/,
      );
      assert.equal(
        (await progressOf(workflowId))?.approval.state,
        'waiting',
        'the refused decision changed nothing',
      );

      const beforeDecision = new Date().toISOString();
      const ok = await cli([
        'approve',
        workflowId,
        '--by',
        'alice',
        '--reason',
        'ok',
      ]);
      assert.equal(ok.code, 0, show(ok));
      assert.match(
        ok.stdout,
        /approved by alice \(ok\): the run goes on with the batch/,
      );

      // A second decision: the gate is no longer waiting.
      const again = await cli(['reject', workflowId, '--by', 'alice']);
      assert.equal(again.code, 2, show(again));
      assert.match(again.stderr, /no decision is awaited/);

      const w = await watching;
      assert.equal(w.code, 0, show(w));
      const views = w.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const trace = views
        .map(
          (v) =>
            `${v.status}/${v.phase}/${v.progress?.approval.state ?? v.progressError}`,
        )
        .join(' | ');
      assert.ok(
        views.length >= 2,
        `--watch redrew ${views.length} times: ${trace}`,
      );
      for (let i = 1; i < views.length; i++)
        assert.notDeepEqual(
          views[i],
          views[i - 1],
          'a redraw only on a change',
        );
      assert.ok(
        views.some((v) => v.status === 'RUNNING' && v.progress),
        `watch followed the running run: ${trace}`,
      );
      assert.equal(views[views.length - 1].status, 'COMPLETED');

      const { client } = await getStack();
      const result = await client.workflow.getHandle(workflowId).result();
      assert.deepEqual(
        result.membersAfter.map((m: { name: string }) => m.name).sort(),
        [...ORIGINAL, 'etcd4', 'etcd5'],
      );
      assert.deepEqual(
        await lab.checkInvariants({
          members: [...ORIGINAL, 'etcd4', 'etcd5'],
          keys,
        }),
        [],
      );

      const r = await cli(['audit', workflowId, '--json']);
      assert.equal(r.code, 0, show(r));
      const a = JSON.parse(r.stdout) as AuditReport;
      assert.equal(
        a.approvals.length,
        1,
        'only the accepted decision is in the history',
      );
      const d = a.approvals[0];
      assert.equal(d.via, 'update');
      assert.equal(d.decision, 'approve');
      assert.equal(d.by, 'alice');
      assert.equal(d.reason, 'ok');
      assert.equal(d.status, 'accepted');
      assert.equal(d.phase, 'approval');
      assert.ok(
        d.at >= beforeDecision && d.at <= a.closedAt!,
        `decided at ${d.at}`,
      );
      assert.deepEqual(
        {
          state: (a.approvalGate as { state: string }).state,
          by: (a.approvalGate as { decidedBy: string }).decidedBy,
        },
        { state: 'approved', by: 'alice' },
      );
      assert.deepEqual(
        a.phases.map((p) => p.phase),
        [
          'validate',
          'preflight',
          'backup',
          'canary',
          'verify',
          'approval',
          'batch',
          'memberEnvFiles',
          'done',
        ],
      );
      const md = await cli(['audit', workflowId]);
      assert.match(
        md.stdout,
        /\| approve \| alice \| ok \| update \| accepted \|/,
      );
    });
  });
});
