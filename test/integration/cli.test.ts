/**
 * The `etcd-scaleout` command line, spawned as a child process against the real stack: the suite's
 * Temporal dev server and worker, real etcd clusters and real SSH test hosts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Lab } from '../../lab';
import type { AuditReport } from '../../src/audit';
import { type Progress, progressQuery } from '../../src/workflows/messages';
import { takePeerPortOnce } from '../support/runs';
import { getStack } from '../support/stack';

const CLI = join(__dirname, '../../src/cli/main.js');
const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

let cliEnv: NodeJS.ProcessEnv = {};

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 300_000,
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { ...process.env, ...cliEnv, ...env },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : -1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const show = (r: CliRun) =>
  `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`,
  );
}

async function progressOf(workflowId: string): Promise<Progress | undefined> {
  const { client } = await getStack();
  try {
    return await client.workflow.getHandle(workflowId).query(progressQuery);
  } catch {
    return undefined; // the first workflow task has not run yet
  }
}

async function membership(lab: Lab): Promise<string[]> {
  const c = lab.cluster.client();
  try {
    const { members } = await c.cluster.memberList({});
    return members
      .map(
        (m) =>
          `${m.ID} ${m.name} ${m.peerURLs.join(',')} ${m.isLearner ? 'learner' : 'voter'}`,
      )
      .sort();
  } finally {
    c.close();
  }
}

function writeRequest(lab: Lab, name: string, request: unknown): string {
  const file = join(lab.dir, name);
  writeFileSync(file, JSON.stringify(request, null, 2));
  return file;
}

describe('etcd-scaleout CLI on the real stack', () => {
  before(async () => {
    const stack = await getStack();
    cliEnv = {
      TEMPORAL_ADDRESS: stack.server.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
    };
  });

  describe('plan, start --wait, status, list and audit of a 3 -> 5 run', () => {
    const lab = new Lab({ block: 46 });
    let requestFile = '';
    let workflowId = '';
    let keys: Record<string, string> = {};
    after(() => lab.stop());

    it('plan prints the numbered steps with the initial-cluster strings, and changes nothing', async () => {
      await lab.start();
      keys = await lab.seedKeys(30);
      requestFile = writeRequest(
        lab,
        'request.json',
        lab.request({ ticket: { id: 'CHG-46', requestedBy: 'alice@example' } }),
      );
      const before = await membership(lab);
      const envBefore = lab.hosts.map((h) => h.envFile());

      // No Temporal needed: point the CLI at nothing and the plan still works.
      const r = await cli(['plan', requestFile], {
        TEMPORAL_ADDRESS: '127.0.46.1:7344',
      });
      assert.equal(r.code, 0, show(r));
      const out = r.stdout;
      assert.match(
        out,
        /dry run for cluster lab-46: 3 -> 5 voting members \(nothing was changed\)/,
      );
      for (const n of ORIGINAL)
        assert.match(
          out,
          new RegExp(`^  ${n} .* voter +healthy`, 'm'),
          `live member ${n} listed`,
        );
      const steps = out.split('\n').filter((l) => /^ {2}\d+\. /.test(l));
      const starts = [
        '  1. preflight: check 3 voting members',
        '  2. backup: snapshot',
        '  3. canary etcd4 (127.0.46.14): add learner http://127.0.46.14:2380',
        '  4. batch etcd5 (127.0.46.15): add learner http://127.0.46.15:2380',
        '  5. result: 3 -> 5 members',
      ];
      assert.equal(steps.length, starts.length, out);
      for (const [i, st] of starts.entries()) {
        assert.ok(steps[i].startsWith(st), `step ${i + 1}: ${steps[i]}`);
      }
      const etcd4 = out.match(/^ {2}etcd4: ETCD_INITIAL_CLUSTER=(\S+)$/m);
      const etcd5 = out.match(/^ {2}etcd5: ETCD_INITIAL_CLUSTER=(\S+)$/m);
      assert.ok(etcd4 && etcd5, out);
      const expected = (names: string[]) =>
        names.map((n, i) => `${n}=http://127.0.46.${11 + i}:2380`).sort();
      assert.deepEqual(
        etcd4[1].split(',').sort(),
        expected([...ORIGINAL, 'etcd4']),
      );
      assert.deepEqual(
        etcd5[1].split(',').sort(),
        expected([...ORIGINAL, 'etcd4', 'etcd5']),
      );
      assert.ok(
        steps[2].includes(`ETCD_INITIAL_CLUSTER=${etcd4[1]}`),
        'the step line carries the same string',
      );

      // Nothing changed: same members (IDs included), env files untouched, no backup written.
      assert.deepEqual(await membership(lab), before);
      assert.deepEqual(
        lab.hosts.map((h) => h.envFile()),
        envBefore,
      );
      assert.ok(
        !existsSync(join(lab.dir, 'backups')),
        'the dry run takes no backup',
      );
      assert.deepEqual(
        await lab.checkInvariants({ members: ORIGINAL, keys }),
        [],
      );
    });

    it("plan resolves a ticket's request over the cluster's profile where the profiles are readable, and refuses it where not", async () => {
      const ticket = writeRequest(
        lab,
        'ticket.json',
        lab.ticketRequest({ ticket: { id: 'CHG-46' } }),
      );
      const profiles = join(lab.dir, 'profiles');
      const profile = lab.writeProfile(profiles);
      const r = await cli(['plan', ticket], {
        TEMPORAL_ADDRESS: '127.0.46.1:7344',
        ETCD_SCALEOUT_PROFILES_DIR: profiles,
      });
      assert.equal(r.code, 0, show(r));
      assert.match(r.stderr, new RegExp(`profile ${profile}`));
      assert.match(
        r.stdout,
        /dry run for cluster lab-46: 3 -> 5 voting members \(nothing was changed\)/,
      );
      const elsewhere = await cli(['plan', ticket], {
        ETCD_SCALEOUT_PROFILES_DIR: join(lab.dir, 'no-profiles'),
      });
      assert.equal(elsewhere.code, 2, show(elsewhere));
      assert.match(
        elsewhere.stderr,
        /cluster lab-46 has no profile readable here \(.*no-profiles\/lab-46\.json\), and .*ticket\.json names only the cluster/,
      );
    });

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
      for (const m of ['canary etcd4', 'batch etcd5']) {
        assert.deepEqual(
          a.activities.filter((x) => x.summary === m).map((x) => x.name),
          [
            'addLearner',
            'writeEnvFile',
            'startService',
            'waitForCatchUp',
            'promoteMember',
            'verifyCluster',
          ],
          m,
        );
      }
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

  describe('errors', () => {
    const good = {
      cluster: {
        name: 'lab-43',
        endpoints: [
          'http://127.0.43.11:2379',
          'http://127.0.43.12:2379',
          'http://127.0.43.13:2379',
        ],
      },
      newMembers: [
        {
          name: 'etcd4',
          host: '127.0.43.14',
          peerURL: 'http://127.0.43.14:2380',
          clientURL: 'http://127.0.43.14:2379',
        },
        {
          name: 'etcd5',
          host: '127.0.43.15',
          peerURL: 'http://127.0.43.15:2380',
          clientURL: 'http://127.0.43.15:2379',
        },
      ],
      ssh: {
        user: 'root',
        privateKeyFile: '/nonexistent/id_ed25519',
        knownHostsFile: '/nonexistent/known_hosts',
      },
      ticket: { id: 'ERR-43' },
    };
    const dir = join(require('node:os').tmpdir(), 'etcd-scaleout-cli-test-43');
    const file = (name: string, content: unknown) => {
      require('node:fs').mkdirSync(dir, { recursive: true });
      const f = join(dir, name);
      writeFileSync(
        f,
        typeof content === 'string' ? content : JSON.stringify(content),
      );
      return f;
    };

    it('status and audit of an unknown workflow exit 3', async () => {
      for (const cmd of [
        ['status', 'no-such-run'],
        ['audit', 'no-such-run'],
        ['cancel', 'no-such-run'],
        ['approve', 'no-such-run', '--by', 'alice'],
      ]) {
        const r = await cli(cmd);
        assert.equal(r.code, 3, `${cmd.join(' ')}: ${show(r)}`);
        assert.match(
          r.stderr,
          /workflow no-such-run not found in namespace default at 127\.0\.0\.1:\d+/,
        );
      }
    });

    it('an audit of a malformed run ID is refused (exit 2), of an unknown run ID not found (exit 3)', async () => {
      const bad = await cli([
        'audit',
        'no-such-run',
        '--run-id',
        'not-a-run-id',
      ]);
      assert.equal(bad.code, 2, show(bad));
      assert.match(
        bad.stderr,
        /refused by Temporal at 127\.0\.0\.1:\d+ .*: .*run/i,
      );
      const unknown = await cli([
        'audit',
        'no-such-run',
        '--run-id',
        '00000000-0000-4000-8000-000000000000',
      ]);
      assert.equal(unknown.code, 3, show(unknown));
      assert.match(
        unknown.stderr,
        /workflow no-such-run run 00000000-0000-4000-8000-000000000000 not found|workflow no-such-run not found/,
      );
    });

    it('an unreachable Temporal server exits 4 naming the address', async () => {
      for (const cmd of [
        ['status', 'x'],
        ['list'],
        ['start', file('good.json', good)],
      ]) {
        const r = await cli(
          cmd,
          { TEMPORAL_ADDRESS: '127.0.43.1:7344' },
          60_000,
        );
        assert.equal(r.code, 4, `${cmd.join(' ')}: ${show(r)}`);
        assert.match(
          r.stderr,
          /cannot reach Temporal at 127\.0\.43\.1:7344 \(namespace default\)/,
        );
      }
    });

    it('start with an invalid request exits 2 naming each field, and starts nothing', async () => {
      const bad = {
        ...good,
        newMembers: [
          { ...good.newMembers[0], name: 'etcd4;rm -rf /' },
          { ...good.newMembers[1], peerURL: 'http://127.0.43.99:2380' },
        ],
        strategy: { rollbak: 'all' },
      };
      const r = await cli(['start', file('bad.json', bad)]);
      assert.equal(r.code, 2, show(r));
      assert.match(
        r.stderr,
        /invalid request .*bad\.json \(\d+ problems; nothing was started\)/,
      );
      assert.match(
        r.stderr,
        /^ {2}newMembers\[0\]\.name: must be 1-63 lowercase/m,
      );
      assert.match(r.stderr, /^ {2}strategy: unknown field\(s\): rollbak/m);
      const { client } = await getStack();
      await assert.rejects(
        client.workflow.getHandle('scaleout-lab-43_ERR-43').describe(),
        WorkflowNotFoundError,
      );

      const p = await cli(['plan', file('bad.json', bad)]);
      assert.equal(p.code, 2, show(p));
      assert.match(p.stderr, /newMembers\[0\]\.name: must be 1-63 lowercase/);

      const notJson = await cli(['start', file('broken.json', '{"cluster": ')]);
      assert.equal(notJson.code, 2, show(notJson));
      assert.match(notJson.stderr, /broken\.json is not valid JSON/);
      const missing = await cli(['start', join(dir, 'missing.json')]);
      assert.equal(missing.code, 2, show(missing));
      assert.match(
        missing.stderr,
        /cannot read request file .*missing\.json: ENOENT/,
      );
    });

    it('plan against an etcd cluster that is not there exits 4 naming the endpoints', async () => {
      const r = await cli(['plan', file('good.json', good)], {}, 120_000);
      assert.equal(r.code, 4, show(r));
      assert.match(
        r.stderr,
        /cannot read the member list of cluster lab-43 through http:\/\/127\.0\.43\.11:2379/,
      );
    });

    it('a start the server refuses is explained with its reason and what to do (exit 2, nothing started)', async () => {
      // A namespace without the search attributes: the server refuses StartWorkflowExecution.
      const { server } = await getStack();
      const namespace = 'no-search-attributes-cli';
      await server.createNamespace(namespace);
      const r = await until(
        'the new namespace to be served',
        async () => {
          const run = await cli(['start', file('good.json', good)], {
            TEMPORAL_NAMESPACE: namespace,
          });
          return /namespace \S+ not found/i.test(run.stderr) ? undefined : run;
        },
        60_000,
        1000,
      );
      assert.equal(r.code, 2, show(r));
      assert.match(
        r.stderr,
        /Temporal at 127\.0\.0\.1:\d+ \(namespace no-search-attributes-cli\) refused to start scaleout-lab-43_ERR-43: .*search attribute/,
      );
      for (const name of [
        'EtcdCluster',
        'TicketId',
        'RequestedBy',
        'ScaleOutPhase',
      ])
        assert.match(
          r.stderr,
          new RegExp(
            `temporal operator search-attribute create --namespace no-search-attributes-cli --name ${name} --type Keyword`,
          ),
        );
      assert.equal(r.stdout, '', 'no workflow ID: nothing was started');
    });

    it('usage errors exit 2', async () => {
      for (const cmd of [
        [],
        ['frobnicate'],
        ['approve', 'x'],
        ['status'],
        ['status', 'a', 'b'],
        ['list', '--cluster', "x' OR 1=1"],
        ['audit', 'x', '--json', '--markdown'],
        ['start', 'f.json', '--nope'],
      ]) {
        const r = await cli(cmd);
        assert.equal(r.code, 2, `${cmd.join(' ')}: ${show(r)}`);
        assert.ok(
          r.stderr.length > 0 || r.stdout.includes('usage'),
          `${cmd.join(' ')} says why`,
        );
      }
    });
  });
});
