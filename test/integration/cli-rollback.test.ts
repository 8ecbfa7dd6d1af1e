/**
 * The `etcd-scaleout` command line on the real stack (test/support/cli.ts): a failed run, its
 * rollback and its audit (lab 48).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:net';
import { Lab } from '../../lab';
import type { AuditReport } from '../../src/audit';
import { cli, ORIGINAL, show, useCli, writeRequest } from '../support/cli';
import { takePeerPortOnce } from '../support/runs';
import { getStack } from '../support/stack';

describe('etcd-scaleout CLI on the real stack', () => {
  useCli();

  describe('a failed run: rollback through the CLI and its audit', () => {
    const lab = new Lab({ block: 48 });
    let blocker: Server | undefined;
    after(async () => {
      blocker?.close();
      await lab.stop();
    });

    it('start --wait exits 1 naming the failed step; the audit lists the compensations and the failure', async () => {
      await lab.start();
      const keys = await lab.seedKeys(20);
      const envBefore = lab.hosts.map((h) => h.envFile());
      const file = writeRequest(
        lab,
        'request.json',
        lab.request({ ticket: { id: 'CHG-48', requestedBy: 'dave' } }),
      );
      const s = await cli(['start', file]);
      assert.equal(s.code, 0, show(s));
      const workflowId = s.stdout.trim();
      blocker = await takePeerPortOnce(
        (await getStack()).client.workflow.getHandle(workflowId),
        lab.hosts[1],
      );

      // The same request again (same ticket): not started twice, and --wait follows the existing run.
      const w = await cli(['start', file, '--wait']);
      assert.equal(w.code, 1, show(w));
      assert.equal(w.stdout.trim(), workflowId);
      assert.match(
        w.stderr,
        /already exists \(one run per ticket\): not started again/,
      );
      assert.match(
        w.stderr,
        /run scaleout-lab-48_CHG-48 failed \(ScaleOutFailed\): scale-out of lab-48 failed in batch \(etcd5: startService\)/,
      );
      assert.deepEqual(
        await lab.checkInvariants({ members: ORIGINAL, keys }),
        [],
      );
      assert.deepEqual(
        lab.hosts.map((h) => h.envFile()),
        envBefore,
      );

      const st = await cli(['status', workflowId]);
      assert.equal(st.code, 1, show(st));
      assert.match(st.stdout, /^status +FAILED$/m);
      assert.match(st.stdout, /^phase +failed \(etcd5: startService\)$/m);
      assert.match(st.stdout, /^undone +removed member etcd5/m);

      const r = await cli(['audit', workflowId, '--json']);
      assert.equal(r.code, 0, show(r));
      const a = JSON.parse(r.stdout) as AuditReport;
      assert.equal(a.status, 'FAILED');
      assert.equal(a.outcome.failure?.type, 'ScaleOutFailed');
      assert.match(
        a.outcome.failure!.message,
        /failed in batch \(etcd5: startService\)/,
      );
      assert.deepEqual(
        a.phases.map((p) => p.phase),
        [
          'validate',
          'preflight',
          'backup',
          'canary',
          'verify',
          'batch',
          'rollback',
          'failed',
        ],
      );
      const failed = a.activities.filter((x) => x.outcome === 'failed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0].name, 'startService');
      assert.equal(failed[0].summary, 'batch etcd5');
      assert.match(failed[0].failure!.message, /address already in use/);
      assert.ok(failed[0].attempts >= 1);

      // The compensations, in the order they ran: etcd5 first, then the canary etcd4.
      assert.deepEqual(
        a.compensations.map((x) => `${x.summary}: ${x.name} ${x.outcome}`),
        [
          'rollback etcd5: removeMember completed',
          'rollback etcd5: stopService completed',
          'rollback etcd5: quarantineDataDir completed',
          'rollback etcd5: restoreEnvFile completed',
          'rollback etcd4: removeMember completed',
          'rollback etcd4: stopService completed',
          'rollback etcd4: quarantineDataDir completed',
          'rollback etcd4: restoreEnvFile completed',
        ],
      );
      assert.ok(
        a.compensations.every((x) => x.scheduledAt >= failed[0].closedAt!),
        'compensations run after the failure',
      );
      assert.equal(a.rollback?.failedStep, 'batch (etcd5: startService)');
      assert.ok(
        a.rollback!.undone.some((u) => /^removed member etcd5 /.test(u)) &&
          a.rollback!.undone.some((u) => /^removed member etcd4 /.test(u)),
        a.rollback!.undone.join('; '),
      );
      assert.deepEqual(a.rollback!.notUndone, []);
      assert.ok(a.backup, 'the backup taken before the change is recorded');
      assert.deepEqual(a.membersBefore!.map((m) => m.name).sort(), ORIGINAL);
      assert.equal(
        a.membersAfter,
        undefined,
        'a failed run never reaches its result phase',
      );

      const md = await cli(['audit', workflowId, '--markdown']);
      assert.equal(md.code, 0, show(md));
      assert.match(md.stdout, /\*\*FAILED\*\* \(ScaleOutFailed\)/);
      assert.match(md.stdout, /\| removeMember \| rollback etcd5 \|/);
      assert.match(md.stdout, /Failed step: batch \(etcd5: startService\)/);
    });
  });
});
