/**
 * The `etcd-scaleout` command line on the real stack (test/support/cli.ts): start --wait, status, list
 * and audit of a 3 -> 5 run (lab 46). Its plan: cli-plan.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Lab } from '../../lab';
import type { AuditReport } from '../../src/audit';
import {
  cli,
  ORIGINAL,
  show,
  until,
  useCli,
  writeRequest,
} from '../support/cli';

describe('etcd-scaleout CLI on the real stack', () => {
  useCli();

  describe('start --wait, status, list and audit of a 3 -> 5 run', () => {
    const lab = new Lab({ block: 46 });
    let requestFile = '';
    let workflowId = '';
    let keys: Record<string, string> = {};
    before(async () => {
      await lab.start();
      keys = await lab.seedKeys(30);
      requestFile = writeRequest(
        lab,
        'request.json',
        lab.request({ ticket: { id: 'CHG-46', requestedBy: 'alice@example' } }),
      );
    });
    after(() => lab.stop());

    it('start --wait runs 3 -> 5 and prints the workflow ID and the result', async () => {
      const r = await cli(['start', requestFile, '--wait']);
      assert.equal(r.code, 0, show(r));
      const [first, ...rest] = r.stdout.split('\n');
      workflowId = first.trim();
      assert.equal(workflowId, 'scaleout-lab-46_CHG-46');
      const result = JSON.parse(rest.join('\n'));
      assert.equal(result.from, 3);
      assert.equal(result.to, 5);
      assert.deepEqual(
        result.membersAfter.map((m: { name: string }) => m.name).sort(),
        [...ORIGINAL, 'etcd4', 'etcd5'],
      );
      assert.match(
        r.stderr,
        /started scaleout-lab-46_CHG-46 on task queue etcd-scaleout-test/,
      );
      assert.deepEqual(
        await lab.checkInvariants({
          members: [...ORIGINAL, 'etcd4', 'etcd5'],
          keys,
        }),
        [],
      );
    });

    it('start with the same ticket but another request is refused, naming the fields (exit 2)', async () => {
      const changed = writeRequest(
        lab,
        'changed.json',
        lab.request({
          ticket: { id: 'CHG-46', requestedBy: 'alice@example' },
          strategy: { canary: 2 },
        }),
      );
      const r = await cli(['start', changed]);
      assert.equal(r.code, 2, show(r));
      assert.match(
        r.stderr,
        /ticket CHG-46 already has run scaleout-lab-46_CHG-46 \(run [0-9a-f-]+\) for a different request: strategy\.canary differ/,
      );
      const same = await cli(['start', requestFile]);
      assert.equal(same.code, 0, show(same));
      assert.match(
        same.stderr,
        /already exists \(one run per ticket\): not started again/,
      );
    });

    it('status shows the run done with its members verified', async () => {
      const r = await cli(['status', workflowId]);
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /^status +COMPLETED$/m);
      assert.match(r.stdout, /^phase +done$/m);
      assert.match(r.stdout, /^ticket +CHG-46, requested by alice@example$/m);
      assert.match(
        r.stdout,
        /^ {2}etcd4 +canary +verified +http:\/\/127\.0\.46\.14:2380/m,
      );
      assert.match(
        r.stdout,
        /^ {2}etcd5 +batch +verified +http:\/\/127\.0\.46\.15:2380/m,
      );
      assert.match(
        r.stdout,
        /^servers +--etcd-servers=.*http:\/\/127\.0\.46\.15:2379/m,
      );

      const j = await cli(['status', workflowId, '--json']);
      assert.equal(j.code, 0, show(j));
      const v = JSON.parse(j.stdout);
      assert.equal(v.status, 'COMPLETED');
      assert.equal(v.progress.phase, 'done');
      assert.deepEqual(
        v.progress.members.map((m: { state: string }) => m.state),
        ['verified', 'verified'],
      );
    });

    it('list --cluster and --ticket find it (visibility query)', async () => {
      const rows = await until(
        'the run in visibility as COMPLETED',
        async () => {
          const r = await cli(['list', '--cluster', 'lab-46', '--json']);
          assert.equal(r.code, 0, show(r));
          const rows = JSON.parse(r.stdout) as Array<Record<string, string>>;
          return rows.some(
            (x) => x.workflowId === workflowId && x.status === 'COMPLETED',
          )
            ? rows
            : undefined;
        },
        60_000,
        1000,
      );
      const row = rows.find((x) => x.workflowId === workflowId)!;
      assert.equal(row.cluster, 'lab-46');
      assert.equal(row.ticket, 'CHG-46');
      assert.equal(row.requestedBy, 'alice@example');
      assert.equal(row.phase, 'done');
      assert.ok(
        rows.every((x) => x.cluster === 'lab-46'),
        'only runs of that cluster',
      );

      const byTicket = await cli(['list', '--ticket', 'CHG-46']);
      assert.equal(byTicket.code, 0, show(byTicket));
      assert.match(
        byTicket.stdout,
        /^WORKFLOW ID +STATUS +PHASE +CLUSTER +TICKET/m,
      );
      assert.match(
        byTicket.stdout,
        /^scaleout-lab-46_CHG-46 +COMPLETED +done +lab-46 +CHG-46 +alice@example/m,
      );
      const other = await cli([
        'list',
        '--cluster',
        'lab-46',
        '--ticket',
        'NO-SUCH-TICKET',
        '--json',
      ]);
      assert.equal(other.code, 0, show(other));
      assert.deepEqual(JSON.parse(other.stdout), []);
    });

    it('audit --json holds the backup record, both new members, every phase in order; sizes measured', async () => {
      const r = await cli(['audit', workflowId, '--json']);
      assert.equal(r.code, 0, show(r));
      const a = JSON.parse(r.stdout) as AuditReport;
      assert.equal(a.workflowId, workflowId);
      assert.equal(a.status, 'COMPLETED');
      assert.match(a.runId, /^[0-9a-f-]{36}$/);
      assert.deepEqual(a.ticket, {
        id: 'CHG-46',
        requestedBy: 'alice@example',
      });
      assert.deepEqual(
        a.phases.map((p) => p.phase),
        [
          'validate',
          'preflight',
          'backup',
          'canary',
          'verify',
          'batch',
          'memberEnvFiles',
          'done',
        ],
        'no approval phase when none is required',
      );
      for (let i = 1; i < a.phases.length; i++)
        assert.ok(a.phases[i - 1].at <= a.phases[i].at, 'phases in time order');

      // The backup record is the file the run wrote, taken before the first membership change.
      assert.ok(a.backup, 'backup recorded');
      assert.ok(existsSync(a.backup!.path), a.backup!.path);
      assert.match(a.backup!.sha256, /^[0-9a-f]{64}$/);
      const firstAdd = a.activities.find((x) => x.name === 'addLearner')!;
      assert.ok(
        a.backup!.takenAt < firstAdd.closedAt!,
        'backup before the first add',
      );

      assert.deepEqual(a.membersBefore!.map((m) => m.name).sort(), ORIGINAL);
      assert.deepEqual(a.membersAfter!.map((m) => m.name).sort(), [
        ...ORIGINAL,
        'etcd4',
        'etcd5',
      ]);
      assert.ok(a.membersAfter!.every((m) => !m.isLearner));

      // Every activity with its phase summary; each join's steps in order.
      // Each node's env file is written before its add, for the planned list (not again after the
      // add, etcd's list being that): etcd4's while the backup is taken, etcd5's while etcd4 catches
      // up; each catch-up ends with the promotion, when etcd accepts it.
      const join = [
        'writeEnvFile',
        'addLearner',
        'startService',
        'waitForCatchUp',
        'verifyCluster',
      ];
      for (const m of ['canary etcd4', 'batch etcd5'])
        assert.deepEqual(
          a.activities.filter((x) => x.summary === m).map((x) => x.name),
          join,
          m,
        );
      assert.ok(
        a.activities.every(
          (x) =>
            x.outcome === 'completed' &&
            x.attempts >= 1 &&
            x.scheduledAt <= x.closedAt!,
        ),
      );
      assert.deepEqual(a.compensations, []);
      assert.deepEqual(a.approvals, []);
      assert.equal((a.outcome.result as { to: number }).to, 5);

      const md = await cli(['audit', workflowId, '--markdown']);
      assert.equal(md.code, 0, show(md));
      assert.match(
        md.stdout,
        /^# Audit: etcd scale-out scaleout-lab-46_CHG-46$/m,
      );
      for (const h of [
        '## Outcome',
        '## Phases',
        '## Approvals',
        '## Backup',
        '## Members',
        '## Activities',
        '## Compensations',
        '## Request',
      ])
        assert.ok(md.stdout.includes(h), h);
      assert.ok(md.stdout.includes(a.backup!.sha256));
      const jsonBytes = Buffer.byteLength(r.stdout);
      const mdBytes = Buffer.byteLength(md.stdout);
      console.log(
        `      audit report of the 3 -> 5 run: JSON ${jsonBytes} bytes, markdown ${mdBytes} bytes (${a.historyLength} history events, ${a.activities.length} activities)`,
      );
      assert.ok(jsonBytes > 1000 && mdBytes > 1000);
    });

    it('approve on a run that has ended is refused (exit 2) and cancel likewise', async () => {
      const r = await cli(['approve', workflowId, '--by', 'alice']);
      assert.equal(r.code, 2, show(r));
      assert.match(
        r.stderr,
        /cannot approve scaleout-lab-46_CHG-46: no decision is awaited, the run has ended \(COMPLETED\)/,
      );
      const c = await cli(['cancel', workflowId]);
      assert.equal(c.code, 2, show(c));
      assert.match(c.stderr, /already ended \(COMPLETED\)/);
    });
  });
});
