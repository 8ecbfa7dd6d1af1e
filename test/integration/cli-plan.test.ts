/**
 * The `etcd-scaleout` command line on the real stack (test/support/cli.ts): plan of a 3 -> 5 run on
 * lab 46, its numbered steps and initial-cluster strings, nothing changed, and a ticket's request
 * resolved over the cluster's profile. The run itself: cli-run.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../../lab';
import {
  cli,
  membership,
  ORIGINAL,
  show,
  useCli,
  writeRequest,
} from '../support/cli';

describe('etcd-scaleout CLI on the real stack', () => {
  useCli();

  describe("plan of a 3 -> 5 run, and of a ticket's request", () => {
    const lab = new Lab({ block: 46 });
    after(() => lab.stop());

    it('plan prints the numbered steps with the initial-cluster strings, and changes nothing', async () => {
      await lab.start();
      const keys = await lab.seedKeys(30);
      const requestFile = writeRequest(
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
  });
});
