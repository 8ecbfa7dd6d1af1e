/**
 * Certificates on real Kubespray clusters (etcd 3.6, mutual TLS): new nodes without certificates
 * (strategy.certificates "issue": signed on the CA host, removed again by a rollback), and a node whose
 * certificate does not name it (refused in preflight). The existing members are reachable over SSH,
 * as Kubespray's etcd hosts are: the cluster's CA and the CA key are read on them. The env files of
 * such clusters: kubespray.test.ts.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import type { TestHost } from '../../lab';
import { execFileP } from '../../lab/processes';
import { auditOf } from '../support/history';
import { assertInvariants } from '../support/invariants';
import { recordTiming, useLab } from '../support/labs';
import { outcome, startRaw, takePeerPortOnce } from '../support/runs';
import { getStack } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const GROWN = [...ORIGINAL, 'etcd4', 'etcd5'];
const SSL = '/etc/ssl/etcd/ssl';

/** A TLS lab: its members run sshd too (LabOptions.memberSsh), as Kubespray's etcd hosts do. */
const useKubesprayLab = (block: number, hostEnv?: 'none') =>
  useLab({ block, tls: true, ...(hostEnv ? { hostEnv } : {}) });

const fileExists = async (host: TestHost, path: string) =>
  (await host.ssh(`test -e ${path} && echo yes || echo no`)).stdout.trim() ===
  'yes';

describe('real Kubespray clusters: certificates (etcd 3.6, mutual TLS)', () => {
  before(async () => {
    await getStack();
  });

  describe('new nodes without certificates, strategy.certificates "issue"', () => {
    const lab = useKubesprayLab(131, 'none');

    it('issues certificates that chain to the CA and name the host, then joins 3 -> 5', async () => {
      for (const h of lab().hosts) await h.ssh('rm -rf /etc/ssl/etcd');
      const keys = await lab().seedKeys(30);
      const started = Date.now();
      const handle = await startRaw(
        lab().request({ strategy: { certificates: 'issue' } }),
      );
      const o = await outcome(handle);
      if (!o.ok) assert.fail(o.message);
      recordTiming(
        `${lab().release.version} tls 3 -> 5, certificates issued`,
        started,
      );
      // Keys, CSRs and certificates were made and signed on the hosts: the history holds none of them.
      // (fetchHistory gives each payload's bytes as base64 text: decoded here to search them.)
      const history = JSON.stringify(await handle.fetchHistory(), (k, v) =>
        k === 'data' && typeof v === 'string'
          ? Buffer.from(v, 'base64').toString('utf8')
          : v,
      );
      assert.match(history, /member-etcd4\.pem/, 'payloads are read as text');
      assert.doesNotMatch(
        history,
        /-----BEGIN|PRIVATE KEY|CERTIFICATE REQUEST|LS0tLS1CRUdJTi/,
      );
      assert.deepEqual(o.result.membersAfter.map((m) => m.name).sort(), GROWN);
      for (const [i, h] of lab().hosts.entries()) {
        const name = `etcd${4 + i}`;
        const verify = await h.ssh(
          `openssl verify -CAfile ${SSL}/ca.pem ${SSL}/member-${name}.pem ${SSL}/admin-${name}.pem`,
        );
        assert.match(
          verify.stdout,
          /member-etcd\d\.pem: OK\n.*admin-etcd\d\.pem: OK/,
        );
        const sans = (
          await h.ssh(
            `openssl x509 -noout -ext subjectAltName -in ${SSL}/member-${name}.pem`,
          )
        ).stdout;
        assert.match(
          sans,
          new RegExp(`IP Address:127\\.0\\.131\\.${14 + i}\\b`),
        );
        assert.match(sans, /IP Address:127\.0\.0\.1\b/);
      }
      await assertInvariants(lab(), { members: GROWN, keys });
    });
  });

  describe('rollback of an issue-mode run', () => {
    const lab = useKubesprayLab(132, 'none');
    let blocker: Server | undefined;
    after(() => blocker?.close());

    it('removes exactly the certificates it issued', async () => {
      for (const h of lab().hosts) await h.ssh('rm -rf /etc/ssl/etcd');
      const keys = await lab().seedKeys(30);
      const handle = await startRaw(
        lab().request({ strategy: { certificates: 'issue' } }),
      );
      blocker = await takePeerPortOnce(handle, lab().hosts[1]);
      const o = await outcome(handle);
      if (o.ok) assert.fail('the run should have rolled back');
      assert.match(o.message, /failed in batch \(etcd5: startService\)/);
      assert.deepEqual(o.details.notUndone, []);
      assert.match(
        o.message,
        /certificates on 127\.0\.132\.15: removed .*member-etcd5\.pem/,
      );
      assert.match(
        o.message,
        /certificates on 127\.0\.132\.14: removed .*member-etcd4\.pem/,
      );
      for (const h of lab().hosts) {
        assert.equal(
          await fileExists(h, '/etc/ssl/etcd'),
          false,
          `${h.options.name}: what the run created is gone`,
        );
        assert.equal(h.envFile(), null, `${h.options.name}: no env file again`);
      }
      const { compensations } = await auditOf(handle);
      assert.ok(
        compensations.some((a) => a.name === 'removeIssuedCertificates'),
      );
      await assertInvariants(lab(), { members: ORIGINAL, keys });
    });
  });

  describe('a node whose member certificate does not name its own IP', () => {
    const lab = useKubesprayLab(133);

    it('is refused in preflight in seconds, naming the node, the file and the reason; members unchanged', async () => {
      // Signed by the cluster's CA, but for another host only.
      const pki = lab().pki?.dir;
      if (!pki) assert.fail('a TLS lab has a PKI');
      const ssl = lab().hosts[0].node.sslDir;
      const conf = join(pki, 'other-host.conf');
      writeFileSync(
        conf,
        [
          '[ssl_client]',
          'extendedKeyUsage = clientAuth, serverAuth',
          'basicConstraints = CA:FALSE',
          'subjectAltName = DNS:localhost, IP:127.0.0.1, IP:127.0.133.99',
          '',
        ].join('\n'),
      );
      await execFileP('openssl', [
        'req',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(ssl, 'member-etcd4-key.pem'),
        '-out',
        join(pki, 'other.csr'),
        '-subj',
        '/CN=etcd-member-etcd4',
      ]);
      await execFileP('openssl', [
        'x509',
        '-req',
        '-in',
        join(pki, 'other.csr'),
        '-CA',
        join(pki, 'ca.pem'),
        '-CAkey',
        join(pki, 'ca-key.pem'),
        '-set_serial',
        '0x1234',
        '-days',
        '365',
        '-out',
        join(ssl, 'member-etcd4.pem'),
        '-extensions',
        'ssl_client',
        '-extfile',
        conf,
      ]);
      const keys = await lab().seedKeys(10);
      const started = Date.now();
      const o = await outcome(await startRaw(lab().request()));
      const seconds = recordTiming(
        'preflight refusal of a certificate without the node IP',
        started,
      );
      if (o.ok) assert.fail('preflight should have refused the run');
      assert.equal(o.failure.type, 'PreflightFailed');
      assert.match(
        o.message,
        /etcd4: 127\.0\.133\.14: \/etc\/ssl\/etcd\/ssl\/member-etcd4\.pem \(ETCD_CERT_FILE, ETCD_PEER_CERT_FILE\): does not name 127\.0\.133\.14 in its subjectAltName/,
      );
      assert.doesNotMatch(
        o.message,
        /etcd5: 127\.0\.133\.15/,
        'the good node has no problem',
      );
      assert.ok(seconds < 20, `refused in ${seconds}s`);
      await assertInvariants(lab(), { members: ORIGINAL, keys });
    });
  });
});
