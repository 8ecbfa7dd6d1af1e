/**
 * The audit report, built from the run's history alone, on the real stack: a running run that no
 * worker serves, a cancel request and a termination, and a real run cancelled at its approval gate.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Lab } from '../../lab';
import { buildAuditReport, renderAuditMarkdown } from '../../src/audit';
import { startScaleOut } from '../../src/client';
import { progressQuery, rejectSignal } from '../../src/workflows/run/messages';
import { cli, until, useCli } from '../support/cli';
import { getStack } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];

describe('audit report from the history on the real stack', () => {
  useCli();

  it('refuses an unknown workflow or run with WorkflowNotFoundError', async () => {
    const { client } = await getStack();
    await assert.rejects(
      buildAuditReport(client, `no-such-${randomUUID()}`),
      WorkflowNotFoundError,
    );
  });

  describe('a run no worker serves', () => {
    const request = {
      cluster: {
        name: 'lab-45',
        endpoints: [
          'http://127.0.45.11:2379',
          'http://127.0.45.12:2379',
          'http://127.0.45.13:2379',
        ],
        newMemberNetworks: ['127.0.45.0/24'],
      },
      newMembers: [
        {
          name: 'etcd4',
          host: '127.0.45.14',
          peerURL: 'http://127.0.45.14:2380',
          clientURL: 'http://127.0.45.14:2379',
        },
        {
          name: 'etcd5',
          host: '127.0.45.15',
          peerURL: 'http://127.0.45.15:2380',
          clientURL: 'http://127.0.45.15:2379',
        },
      ],
      ssh: {
        user: 'root',
        privateKeyFile: '/etc/etcd-scaleout/id_ed25519',
        knownHostsFile: '/etc/etcd-scaleout/known_hosts',
      },
      ticket: { id: 'AUD-45', requestedBy: 'erin' },
    };

    it('is reported as running, with its cancel request, then as terminated; status and cancel work without a worker', async () => {
      const { client } = await getStack();
      const noWorker = `etcd-scaleout-no-worker-${randomUUID().slice(0, 8)}`;
      const { workflowId, handle } = await startScaleOut(client, request, {
        taskQueue: noWorker,
        workflowId: `audit-running-${randomUUID().slice(0, 8)}`,
      });
      const description = await handle.describe();
      const runId = description.runId;

      // The Temporal UI shows what the run is about: a one-line summary and short markdown details.
      assert.equal(
        await description.staticSummary(),
        'lab-45: add etcd4, etcd5, ticket AUD-45',
      );
      const details = (await description.staticDetails()) ?? '';
      for (const part of [
        '**Cluster** lab-45',
        'http://127.0.45.11:2379',
        '- etcd4 on 127.0.45.14: peer http://127.0.45.14:2380',
        '- etcd5 on 127.0.45.15',
        '**Strategy** canary 1, rollback all',
        '**Ticket** AUD-45',
        '**Requested by** erin',
      ]) {
        assert.ok(
          details.includes(part),
          `static details has ${JSON.stringify(part)}:\n${details}`,
        );
      }
      assert.ok(
        !details.includes('id_ed25519') && !details.includes('known_hosts'),
        'no key or known_hosts path in the UI details',
      );

      const running = await buildAuditReport(client, workflowId);
      assert.equal(running.status, 'RUNNING');
      assert.equal(running.runId, runId);
      assert.equal(running.taskQueue, noWorker);
      assert.deepEqual(
        running.phases.map((p) => p.phase),
        ['validate'],
        'only the phase set at start',
      );
      assert.deepEqual(running.activities, []);
      assert.deepEqual(running.ticket, { id: 'AUD-45', requestedBy: 'erin' });
      assert.equal(running.cluster, 'lab-45');
      assert.equal(running.searchAttributes.EtcdCluster, 'lab-45');
      assert.deepEqual(
        running.input,
        request,
        'the input as sent: file paths only',
      );
      assert.equal(running.outcome.status, 'RUNNING');
      assert.equal(running.closedAt, undefined);
      assert.match(
        renderAuditMarkdown(running),
        /Still running, in phase \*\*validate\*\*/,
      );

      // The CLI: status says the progress is unavailable (no worker), and the run can still be cancelled.
      const st = await cli(['status', workflowId], {}, 120_000);
      assert.equal(st.code, 0, st.stderr);
      assert.match(st.stdout, /^status +RUNNING$/m);
      assert.match(
        st.stdout,
        /^progress +unavailable: the progress query got no answer.* \(is a worker polling task queue etcd-scaleout-no-worker-[0-9a-f]{8}\?\)/m,
      );
      const cancel = await cli(['cancel', workflowId], {}, 120_000);
      assert.equal(cancel.code, 0, cancel.stderr);
      assert.match(cancel.stdout, /cancellation requested for audit-running-/);

      const cancelled = await buildAuditReport(client, workflowId, runId);
      assert.equal(
        cancelled.status,
        'RUNNING',
        'nothing runs the cancellation without a worker',
      );
      assert.equal(cancelled.cancelRequests.length, 1);
      assert.ok(cancelled.cancelRequests[0].at >= running.startedAt);

      await handle.terminate('audit test: no worker serves this run');
      const terminated = await buildAuditReport(client, workflowId, runId);
      assert.equal(terminated.status, 'TERMINATED');
      assert.equal(
        terminated.outcome.failure?.message,
        'terminated: audit test: no worker serves this run',
      );
      assert.ok(terminated.closedAt && terminated.durationMs! >= 0);
      assert.match(
        renderAuditMarkdown(terminated),
        /\*\*TERMINATED\*\* \(TerminatedFailure\)/,
      );
    });
  });

  describe('a real run cancelled at its approval gate', () => {
    const lab = new Lab({ block: 49 });
    after(() => lab.stop());

    it('records the ignored signal, the cancel request, the canary rollback and the Cancelled failure', async () => {
      const { client } = await getStack();
      await lab.start();
      const keys = await lab.seedKeys(20);
      const { handle, workflowId } = await startScaleOut(
        client,
        lab.request({
          strategy: { approval: 'after-canary', approvers: ['alice'] },
          ticket: { id: 'AUD-49', requestedBy: 'frank' },
        }),
        { taskQueue: (await getStack()).taskQueue },
      );
      await until(
        'approval waiting',
        async () =>
          (await handle.query(progressQuery)).approval.state === 'waiting'
            ? true
            : undefined,
        180_000,
      );

      // A signal from someone who is not an approver is recorded in the history and ignored by the run.
      await handle.signal(rejectSignal, {
        approve: false,
        by: 'mallory',
        reason: 'I do not like it',
      });
      const cancel = await cli(['cancel', workflowId], {}, 120_000);
      assert.equal(cancel.code, 0, cancel.stderr);

      const failure = await handle.result().then(
        () => assert.fail('the cancelled run completed'),
        (err) => err,
      );
      assert.ok(
        failure instanceof WorkflowFailedError &&
          failure.cause instanceof ApplicationFailure,
      );
      assert.equal(failure.cause.type, 'Cancelled');
      assert.deepEqual(
        await lab.checkInvariants({ members: ORIGINAL, keys }),
        [],
      );

      const a = await buildAuditReport(client, workflowId);
      assert.equal(a.status, 'FAILED');
      assert.equal(a.outcome.failure?.type, 'Cancelled');
      assert.match(
        a.outcome.failure!.message,
        /failed in approval \(cancelled\)/,
      );
      assert.deepEqual(a.ticket, { id: 'AUD-49', requestedBy: 'frank' });
      assert.deepEqual(
        a.phases.map((p) => p.phase),
        [
          'validate',
          'preflight',
          'backup',
          'canary',
          'verify',
          'approval',
          'rollback',
          'failed',
        ],
      );
      assert.equal(a.cancelRequests.length, 1);
      assert.ok(
        a.cancelRequests[0].at >=
          a.phases.find((p) => p.phase === 'approval')!.at,
      );

      assert.equal(a.approvals.length, 1);
      assert.deepEqual(
        {
          via: a.approvals[0].via,
          decision: a.approvals[0].decision,
          by: a.approvals[0].by,
          reason: a.approvals[0].reason,
          status: a.approvals[0].status,
          phase: a.approvals[0].phase,
        },
        {
          via: 'signal',
          decision: 'reject',
          by: 'mallory',
          reason: 'I do not like it',
          status: 'ignored',
          phase: 'approval',
        },
      );
      assert.match(
        a.approvals[0].note!,
        /mallory is not an approver of this run \(approvers: alice\)/,
      );

      assert.deepEqual(
        a.compensations.map((c) => `${c.summary}: ${c.name} ${c.outcome}`),
        [
          'rollback etcd4: removeMember completed',
          'rollback etcd4: stopService completed',
          'rollback etcd4: quarantineDataDir completed',
          'rollback etcd4: restoreEnvFile completed',
        ],
      );
      assert.equal(a.rollback?.failedStep, 'approval');
      assert.ok(
        a.rollback!.undone.some((u) => /^removed member etcd4 /.test(u)),
      );
      assert.ok(a.backup && a.backup.sha256.length === 64);
      assert.deepEqual(a.membersBefore!.map((m) => m.name).sort(), ORIGINAL);
      assert.equal(a.membersAfter, undefined);
      assert.ok(
        !a.activities.some((x) => x.summary?.startsWith('batch')),
        'the batch never ran',
      );

      const md = renderAuditMarkdown(a);
      assert.match(md, /## Cancellation requests/);
      assert.match(
        md,
        /\| reject \| mallory \| I do not like it \| signal \| ignored: by: mallory is not an approver/,
      );
      assert.match(md, /\| removeMember \| rollback etcd4 \|/);
    });
  });
});
