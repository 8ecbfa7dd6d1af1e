/**
 * The CLI on the real stack (lab 59): `plan` of a replacement reads the live cluster and shows its path
 * and its point of no return (a healthy member: join first; a stopped one: remove first), or refuses an
 * unknown member naming it; `cancel --reason` sends its reason, which the run's history keeps and
 * the audit report shows.
 */
import assert from 'node:assert/strict';
import { Lab } from '../../lab';
import {
  cli,
  ORIGINAL,
  progressOf,
  show,
  until,
  useCli,
  writeRequest,
} from '../support/cli';

const BLOCK = 59;

describe('etcd-scaleout CLI on the real stack', () => {
  useCli();

  describe(`replacement plan and cancel --reason (lab ${BLOCK})`, () => {
    const lab = new Lab({ block: BLOCK });
    let keys: Record<string, string> = {};
    before(async function () {
      this.timeout(120_000);
      await lab.start();
      keys = await lab.seedKeys(20);
    });
    after(() => lab.stop());

    const replacement = (replaceMember: string) => ({
      ...lab.request({ ticket: { id: 'CHG-59-R' } }),
      newMembers: lab.request().newMembers.slice(0, 1),
      replaceMember,
    });

    it('plan shows the path and the point of no return, and refuses an unknown member naming it', async () => {
      const healthy = await cli([
        'plan',
        writeRequest(lab, 'replace-etcd2.json', replacement('etcd2')),
      ]);
      assert.equal(healthy.code, 0, show(healthy));
      assert.match(
        healthy.stdout,
        /^dry run for cluster lab-59: replace etcd2 by etcd4, 3 voting members before and after \(nothing was changed\)$/m,
      );
      assert.match(
        healthy.stdout,
        /path: etcd2 is healthy: join etcd4 first, then remove etcd2 \(healthy voters: 3 at the start, never fewer than 3\)/,
      );
      assert.match(healthy.stdout, /^ {2}5\. POINT OF NO RETURN: /m);
      assert.match(
        healthy.stdout,
        /^point of no return: step 5, the removal of etcd2 \(ID [0-9a-f]+\)/m,
      );
      const json = await cli([
        'plan',
        writeRequest(lab, 'replace-etcd2.json', replacement('etcd2')),
        '--json',
      ]);
      assert.equal(json.code, 0, show(json));
      const p = JSON.parse(json.stdout);
      assert.deepEqual(
        [p.plan.path, p.plan.steps],
        ['healthy', ['join-new', 'apiservers-swap', 'remove-old']],
      );

      const unknown = await cli([
        'plan',
        writeRequest(lab, 'replace-etcd9.json', replacement('etcd9')),
      ]);
      assert.equal(unknown.code, 2, show(unknown));
      assert.match(
        unknown.stderr,
        /the replacement is refused for cluster lab-59 \(nothing was changed\): .*no member of cluster lab-59 is named "etcd9" \(members: etcd\d, etcd\d, etcd\d\)/,
      );

      // A member that is down: removed first, so the point of no return comes before the join.
      lab.cluster.stopMember('etcd3');
      try {
        const down = await cli([
          'plan',
          writeRequest(lab, 'replace-etcd3.json', replacement('etcd3')),
        ]);
        assert.equal(down.code, 0, show(down));
        assert.match(
          down.stdout,
          /path: etcd3 is down or unhealthy: remove it first, then join etcd4/,
        );
        assert.match(down.stdout, /^ +etcd3 +[0-9a-f]+ +voter +UNHEALTHY/m);
        assert.match(
          down.stdout,
          /^point of no return: step 4, the removal of etcd3/m,
        );
      } finally {
        lab.cluster.restartMember('etcd3');
        await lab.cluster.waitHealthy();
      }
      assert.deepEqual(
        await lab.checkInvariants({ members: ORIGINAL, keys }),
        [],
      );
    });

    it('cancel --reason: the reason and the CLI are in the history, and the audit report shows them', async () => {
      const bad = await cli([
        'cancel',
        'scaleout-lab-59_CHG-59',
        '--reason',
        ' ',
      ]);
      assert.equal(bad.code, 2, show(bad));
      assert.match(bad.stderr, /--reason must say why/);

      const file = writeRequest(lab, 'grow.json', {
        ...lab.request({ ticket: { id: 'CHG-59' } }),
        strategy: { ...lab.request().strategy, approval: 'after-canary' },
      });
      const started = await cli(['start', file]);
      assert.equal(started.code, 0, show(started));
      const id = started.stdout.trim();
      await until('the approval gate', async () =>
        (await progressOf(id))?.approval.state === 'waiting' ? true : undefined,
      );
      const reason = 'the change window closed';
      const c = await cli(['cancel', id, '--reason', reason]);
      assert.equal(c.code, 0, show(c));
      assert.match(
        c.stdout,
        /cancellation requested for .* \(the change window closed\)/,
      );
      const ended = await cli(['status', id, '--watch', '--json']);
      assert.equal(ended.code, 1, show(ended));
      const audit = await cli(['audit', id, '--json']);
      assert.equal(audit.code, 0, show(audit));
      const a = JSON.parse(audit.stdout);
      assert.ok(['FAILED', 'CANCELLED'].includes(a.status), a.status);
      assert.equal(a.cancelRequests.length, 1, audit.stdout);
      assert.equal(a.cancelRequests[0].cause, reason);
      assert.match(a.cancelRequests[0].identity, /\(etcd-scaleout CLI\)$/);
      const md = await cli(['audit', id]);
      assert.match(
        md.stdout,
        /## Cancellation requests\n\n- .* by .*\(etcd-scaleout CLI\): the change window closed/,
      );
      assert.deepEqual(
        await lab.checkInvariants({ members: ORIGINAL, keys }),
        [],
      );
    });
  });
});
