/**
 * Kubespray's names and its members' env files, on the Kubespray-shaped mutual-TLS lab (etcd 3.6):
 *  - after 3 -> 5, every member's /etc/etcd.env lists the five members with state existing, the
 *    originals are saved beside them, and no member was restarted (its etcd process is the same);
 *  - new members named as Kubespray's sample inventory names them (host node4, member etcd4): their
 *    certificate files are member-node4.pem and admin-node4.pem, checked when present and issued
 *    (CN etcd-member-node4) when not, while ETCD_NAME stays etcd4.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from '../../lab/processes';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import { assertInvariants } from '../support/invariants';
import { recordTiming, useLab } from '../support/labs';
import { outcome, startRaw } from '../support/runs';
import { getStack } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const GROWN = [...ORIGINAL, 'etcd4', 'etcd5'];
const SSL = '/etc/ssl/etcd/ssl';

describe("Kubespray's names and the members' env files (etcd 3.6, mutual TLS)", () => {
  before(async () => {
    await getStack();
  });

  describe('3 -> 5 on Kubespray-rendered nodes', () => {
    const lab = useLab({ block: 176, tls: true });

    it("writes the five members into every member's env file, originals saved, no member restarted", async () => {
      const members = lab().cluster.members;
      const originals = members.map((m) => m.node.envFile() ?? '');
      const pids = members.map((m) => m.process?.pid);
      const keys = await lab().seedKeys(20);
      const started = Date.now();
      const o = await outcome(await startRaw(lab().request()));
      if (!o.ok) assert.fail(o.message);
      recordTiming('3.6 tls 3 -> 5 with the members env files', started);
      const full = GROWN.map((n, i) => `${n}=https://127.0.176.${11 + i}:2380`);

      for (const [i, m] of members.entries()) {
        const now = m.node.envFile() ?? '';
        const env = parseEnvFile(now);
        // In the one order: the profile's (the inventory's), the new members appended.
        assert.equal(env.ETCD_INITIAL_CLUSTER, full.join(','), m.name);
        assert.equal(env.ETCD_INITIAL_CLUSTER_STATE, 'existing', m.name);
        // Every other line as it was.
        const changed = originals[i]
          .split('\n')
          .filter((l, j) => l !== now.split('\n')[j]);
        assert.deepEqual(
          changed.map((l) => l.split('=')[0]),
          ['ETCD_INITIAL_CLUSTER_STATE', 'ETCD_INITIAL_CLUSTER'],
          m.name,
        );
        const saved = readdirSync(m.node.etcUpper).filter((f) =>
          f.endsWith('.members.bak'),
        );
        assert.equal(
          saved.length,
          1,
          `${m.name}: one saved original (${saved.join(', ')})`,
        );
        assert.equal(
          readFileSync(join(m.node.etcUpper, saved[0]), 'utf8'),
          originals[i],
        );
        assert.ok(
          alive(pids[i]) && m.process?.pid === pids[i],
          `${m.name} was not restarted`,
        );
      }
      for (const h of lab().hosts) {
        const env = parseEnvFile(h.envFile() ?? '');
        assert.equal(env.ETCD_INITIAL_CLUSTER, full.join(','), h.options.name);
      }
      const report = o.result.memberEnvFiles;
      assert.deepEqual(
        report?.files.map((f) => `${f.member} ${f.state}`).sort(),
        [
          'etcd1 updated',
          'etcd2 updated',
          'etcd3 updated',
          'etcd4 updated',
          'etcd5 unchanged',
        ],
      );
      assert.deepEqual(report?.leftByHand, []);
      assert.equal(o.result.inventoryChange.format, 'yaml');
      assert.match(
        o.result.inventoryChange.text,
        /^ {8}etcd4:\n {10}ansible_host: "127\.0\.176\.14"\n {10}ip: "127\.0\.176\.14"\n {10}etcd_member_name: "etcd4"$/m,
      );
      await assertInvariants(lab(), { members: GROWN, keys });
    });
  });

  describe('a member whose host does not answer when its env file is due', () => {
    const lab = useLab({ block: 179, tls: true });

    it('is left as it was and named with what to write; the others are written; the run succeeds', async () => {
      const keys = await lab().seedKeys(10);
      const before = lab().cluster.members[1].node.envFile();
      // etcd2's host: etcd keeps running, its sshd is gone (the template env and the CA are read on etcd1).
      await lab().memberHosts[1].stop();
      const started = Date.now();
      const o = await outcome(await startRaw(lab().request()));
      if (!o.ok) assert.fail(o.message);
      recordTiming(
        '3.6 tls 3 -> 5, one member host unreachable for its env file',
        started,
      );
      const report = o.result.memberEnvFiles;
      const byMember = Object.fromEntries(
        (report?.files ?? []).map((f) => [f.member, f.state]),
      );
      assert.deepEqual(byMember, {
        etcd1: 'updated',
        etcd2: 'left',
        etcd3: 'updated',
        etcd4: 'updated',
        etcd5: 'unchanged',
      });
      assert.equal(lab().cluster.members[1].node.envFile(), before);
      const left = o.result.warnings.filter((w) =>
        w.includes('(member etcd2)'),
      );
      assert.equal(left.length, 1, o.result.warnings.join('\n'));
      assert.match(
        left[0],
        /^\/etc\/etcd\.env on 127\.0\.179\.12 \(member etcd2\) was not updated \(the host did not answer: .+\): write ETCD_INITIAL_CLUSTER=\S+ and ETCD_INITIAL_CLUSTER_STATE=existing there \(no restart needed\)$/,
      );
      const written = /ETCD_INITIAL_CLUSTER=(\S+) and/.exec(left[0])?.[1] ?? '';
      assert.deepEqual(
        written.split(',').sort(),
        GROWN.map((n, i) => `${n}=https://127.0.179.${11 + i}:2380`).sort(),
      );
      await assertInvariants(lab(), { members: GROWN, keys });
    });
  });

  describe('new members on inventory hosts node4 and node5 (etcd4, etcd5)', () => {
    const lab = useLab({ block: 177, tls: true, hostEnv: 'none' });

    it('checks member-node4.pem where it is, issues member-node5.pem (CN etcd-member-node5) where it is not; ETCD_NAME stays etcd4/etcd5', async () => {
      const [h4, h5] = lab().hosts;
      // node4: Kubespray's certificates, named by its inventory host.
      for (const kind of ['member', 'admin'])
        for (const end of ['.pem', '-key.pem'])
          renameSync(
            join(h4.node.sslDir, `${kind}-etcd4${end}`),
            join(h4.node.sslDir, `${kind}-node4${end}`),
          );
      // node5: none yet (strategy.certificates "issue" makes them).
      await h5.ssh(`rm -f ${SSL}/member-etcd5* ${SSL}/admin-etcd5*`);
      const request = lab().request({ strategy: { certificates: 'issue' } });
      request.newMembers = request.newMembers.map((m, i) => ({
        ...m,
        inventoryHost: `node${4 + i}`,
      }));
      const keys = await lab().seedKeys(20);
      const started = Date.now();
      const o = await outcome(await startRaw(request));
      if (!o.ok) assert.fail(o.message);
      recordTiming(
        '3.6 tls 3 -> 5, certificates named by inventory host',
        started,
      );
      for (const [i, h] of [h4, h5].entries()) {
        const env = parseEnvFile(h.envFile() ?? '');
        assert.equal(env.ETCD_NAME, `etcd${4 + i}`);
        assert.equal(env.ETCD_CERT_FILE, `${SSL}/member-node${4 + i}.pem`);
        assert.equal(
          env.ETCD_PEER_KEY_FILE,
          `${SSL}/member-node${4 + i}-key.pem`,
        );
        assert.equal(env.ETCDCTL_CERT, `${SSL}/admin-node${4 + i}.pem`);
      }
      const subject = async (file: string) =>
        (await h5.ssh(`openssl x509 -noout -subject -in ${SSL}/${file}`))
          .stdout;
      assert.match(
        await subject('member-node5.pem'),
        /CN ?= ?etcd-member-node5/,
      );
      assert.match(await subject('admin-node5.pem'), /CN ?= ?etcd-admin-node5/);
      assert.match((await h4.ssh(`ls ${SSL}`)).stdout, /member-node4\.pem/);
      assert.doesNotMatch(
        (await h4.ssh(`ls ${SSL}`)).stdout,
        /etcd4/,
        'nothing was issued for node4: its certificates were usable',
      );
      assert.match(
        o.result.inventoryChange.text,
        /^ {8}node4:\n {10}ansible_host: "127\.0\.177\.14"\n {10}ip: "127\.0\.177\.14"\n {10}etcd_member_name: "etcd4"$/m,
      );
      await assertInvariants(lab(), { members: GROWN, keys });
    });
  });
});
