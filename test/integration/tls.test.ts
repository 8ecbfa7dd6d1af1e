/**
 * Scale-out and rollback over Kubespray-shaped mutual TLS on the default etcd (3.6): one CA, member
 * and admin certificates in /etc/ssl/etcd/ssl, client and peer certificates required, new hosts whose
 * /etc/etcd.env Kubespray has already rendered. The worker presents the first member's admin
 * certificate, given as paths.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { Etcd3 } from 'etcd3';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import { auditOf } from '../support/history';
import { assertInvariants } from '../support/invariants';
import { recordTiming, useLab } from '../support/labs';
import { outcome, startRaw, takePeerPortOnce } from '../support/runs';
import { getStack } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const GROWN = [...ORIGINAL, 'etcd4', 'etcd5'];

describe('scale-out over mutual TLS on the real stack', () => {
  before(async () => {
    await getStack();
  });

  describe('3 -> 5', () => {
    const lab = useLab({ block: 100, tls: true });

    it('joins both hosts over https, keeps Kubespray TLS settings, and records only paths', async () => {
      const keys = await lab().seedKeys(50);
      const started = Date.now();
      const handle = await startRaw(lab().request());
      const o = await outcome(handle);
      if (!o.ok) assert.fail(o.message);
      recordTiming(`${lab().release.version} tls 3 -> 5`, started);
      assert.deepEqual(o.result.membersAfter.map((m) => m.name).sort(), GROWN);
      assert.ok(
        o.result.etcdServers.includes('https://127.0.100.14:2379') &&
          o.result.etcdServers.includes('https://127.0.100.15:2379'),
      );

      // The merge kept Kubespray's TLS variables and replaced the membership with the real one.
      const env = parseEnvFile(lab().hosts[1].envFile() ?? '');
      assert.equal(env.ETCD_CERT_FILE, '/etc/ssl/etcd/ssl/member-etcd5.pem');
      assert.equal(
        env.ETCD_PEER_KEY_FILE,
        '/etc/ssl/etcd/ssl/member-etcd5-key.pem',
      );
      assert.equal(env.ETCD_CLIENT_CERT_AUTH, 'true');
      assert.equal(env.ETCD_PEER_CLIENT_CERT_AUTH, 'true');
      assert.equal(env.ETCD_INITIAL_CLUSTER_STATE, 'existing');
      assert.deepEqual(
        env.ETCD_INITIAL_CLUSTER.split(',').sort(),
        GROWN.map((n, i) => `${n}=https://127.0.100.${11 + i}:2380`).sort(),
      );

      // The new member requires a client certificate, as the old ones do.
      const tls = lab().cluster.clientTls;
      if (!tls) assert.fail('a TLS lab has client certificate files');
      const anonymous = new Etcd3({
        hosts: ['https://127.0.100.14:2379'],
        dialTimeout: 2000,
        credentials: { rootCertificate: readFileSync(tls.caFile) },
      });
      try {
        await assert.rejects(
          anonymous.get('/lab/key-0000').string(),
          'a client without a certificate is refused',
        );
      } finally {
        anonymous.close();
      }

      // The history holds the certificate paths, never their contents.
      const report = await auditOf(handle);
      assert.deepEqual(
        (report.input as { cluster: { tls: unknown } }).cluster.tls,
        tls,
      );
      assert.doesNotMatch(JSON.stringify(report), /-----BEGIN/);
      await assertInvariants(lab(), { members: GROWN, keys });
    });
  });

  describe('rollback when the second new host cannot start', () => {
    const lab = useLab({ block: 101, tls: true });
    let blocker: Server | undefined;
    after(() => blocker?.close());

    it('undoes the canary over TLS and gives both hosts their Kubespray env files back', async () => {
      const keys = await lab().seedKeys(50);
      const envBefore = lab().hosts.map((h) => h.envFile());
      const started = Date.now();
      const handle = await startRaw(lab().request());
      blocker = await takePeerPortOnce(handle, lab().hosts[1]);
      const o = await outcome(handle);
      if (o.ok) assert.fail('the run should have rolled back');
      recordTiming(`${lab().release.version} tls rollback`, started);
      assert.equal(o.failure.type, 'ScaleOutFailed');
      assert.match(o.message, /failed in batch \(etcd5: startService\)/);
      assert.deepEqual(o.details.notUndone, []);

      const { compensations } = await auditOf(handle);
      assert.ok(
        compensations.length > 0 &&
          compensations.every((a) => a.outcome === 'completed'),
        'every undo completed',
      );
      assert.deepEqual(
        [
          ...new Set(
            compensations
              .filter((a) => a.name === 'removeMember')
              .map((a) => a.summary),
          ),
        ],
        ['rollback etcd5', 'rollback etcd4'],
      );
      assert.deepEqual(
        lab().hosts.map((h) => h.envFile()),
        envBefore,
      );
      assert.equal(
        (
          await lab().hosts[0].ssh('systemctl is-active etcd || true')
        ).stdout.trim(),
        'inactive',
      );
      await assertInvariants(lab(), { members: ORIGINAL, keys });
    });
  });

  describe('hosts that have no env file yet', () => {
    const lab = useLab({ block: 102, tls: true, hostEnv: 'none' });

    it('have the certificates, the binary and the unit, and no /etc/etcd.env', async () => {
      const host = lab().hosts[0];
      const seen = await host.ssh(
        'ls /etc/ssl/etcd/ssl; /usr/local/bin/etcd --version | head -n 1; grep EnvironmentFile /etc/systemd/system/etcd.service; test -e /etc/etcd.env && echo env-present || echo env-absent',
      );
      assert.deepEqual(seen.stdout.trim().split('\n'), [
        'admin-etcd4-key.pem',
        'admin-etcd4.pem',
        'ca.pem',
        'member-etcd4-key.pem',
        'member-etcd4.pem',
        `etcd Version: ${lab().release.version}`,
        'EnvironmentFile=/etc/etcd.env',
        'env-absent',
      ]);
      assert.equal(host.envFile(), null);
    });
  });
});
