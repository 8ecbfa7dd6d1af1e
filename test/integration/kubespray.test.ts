/**
 * Real Kubespray clusters on etcd 3.6 over Kubespray-shaped mutual TLS: new nodes without an env file
 * (the env is derived from a healthy member's, read over SSH), new nodes without certificates
 * (strategy.certificates "issue": signed on the CA host, removed again by a rollback), a node whose
 * certificate does not name it (refused in preflight), and a worker killed mid-join over TLS.
 * The existing members are reachable over SSH, as Kubespray's etcd hosts are: the template env, the
 * cluster's CA and the CA key are read on them.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestHost } from '../../lab';
import { execFileP } from '../../lab/processes';
import { WORKFLOW_TYPE } from '../../src/config';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import type { scaleOutEtcd } from '../../src/workflows';
import {
  EtcdCluster,
  ScaleOutPhase,
} from '../../src/workflows/run/searchAttributes';
import { auditOf } from '../support/history';
import { assertInvariants } from '../support/invariants';
import { recordTiming, useLab } from '../support/labs';
import { outcome, startRaw, takePeerPortOnce } from '../support/runs';
import { getStack, testWorkerEnv } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const GROWN = [...ORIGINAL, 'etcd4', 'etcd5'];
const SSL = '/etc/ssl/etcd/ssl';
const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

/** A TLS lab: its members run sshd too (LabOptions.memberSsh), as Kubespray's etcd hosts do. */
const useKubesprayLab = (block: number, hostEnv?: 'none') =>
  useLab({ block, tls: true, ...(hostEnv ? { hostEnv } : {}) });

const fileExists = async (host: TestHost, path: string) =>
  (await host.ssh(`test -e ${path} && echo yes || echo no`)).stdout.trim() ===
  'yes';

describe('real Kubespray clusters (etcd 3.6, mutual TLS)', () => {
  before(async () => {
    await getStack();
  });

  describe('new nodes with certificates but no env file', () => {
    const lab = useKubesprayLab(130, 'none');

    it('plan shows the env file each node would get, and says when SSH is not reachable from here', async () => {
      const file = join(lab().dir, 'request.json');
      writeFileSync(file, JSON.stringify(lab().request()));
      const out = (await execFileP(process.execPath, [CLI, 'plan', file]))
        .stdout;
      assert.match(
        out,
        /etcd4 \(127\.0\.130\.14\), env from member etcd1:\n {4}--- \/etc\/etcd\.env \(absent\)\n {4}\+\+\+ \/etc\/etcd\.env \(to be written\)/,
      );
      assert.match(out, /^ {4}\+ETCD_NAME=etcd5$/m);
      assert.match(
        out,
        /^ {4}\+ETCD_CERT_FILE=\/etc\/ssl\/etcd\/ssl\/member-etcd5\.pem$/m,
      );
      // Each existing member's env file after the run: the two membership lines, nothing else.
      assert.match(
        out,
        /env file per existing member after the run \(\/etc\/etcd\.env: ETCD_INITIAL_CLUSTER and ETCD_INITIAL_CLUSTER_STATE only, one member at a time, no restart\):\n {2}etcd\d \(127\.0\.130\.1\d\), not restarted:/,
      );
      assert.match(
        out,
        /^ {4}-ETCD_INITIAL_CLUSTER_STATE=new\n {4}\+ETCD_INITIAL_CLUSTER_STATE=existing$/m,
      );
      assert.match(
        out,
        /^ {4}\+ETCD_INITIAL_CLUSTER=etcd\d=https:\/\/127\.0\.130\.1\d:2380(,etcd\d=https:\/\/127\.0\.130\.1\d:2380){4}$/m,
      );
      const envs = lab().cluster.members.map((m) => m.node.envFile());
      assert.ok(
        envs.every((e) => e?.includes('ETCD_INITIAL_CLUSTER_STATE=new')),
        "the plan changed no member's file",
      );
      assert.equal(lab().hosts[0].envFile(), null, 'the plan changed nothing');

      const request = lab().request();
      writeFileSync(
        file,
        JSON.stringify({ ...request, ssh: { ...request.ssh, port: 2299 } }),
      );
      const blind = (await execFileP(process.execPath, [CLI, 'plan', file]))
        .stdout;
      assert.match(
        blind,
        /etcd4 \(127\.0\.130\.14\): SSH is not reachable from here \(.+\); its env file diff is left out/,
      );
      assert.match(
        blind,
        /^ {2}5\. result: 3 -> 5 members/m,
        'the plan is printed all the same',
      );
    });

    it('join 3 -> 5 with the env derived from a healthy member, Kubespray variables kept with the new names', async () => {
      const keys = await lab().seedKeys(30);
      const started = Date.now();
      const o = await outcome(await startRaw(lab().request()));
      if (!o.ok) assert.fail(o.message);
      recordTiming(
        `${lab().release.version} tls 3 -> 5, env from a member`,
        started,
      );
      assert.deepEqual(o.result.membersAfter.map((m) => m.name).sort(), GROWN);

      const env = parseEnvFile(lab().hosts[1].envFile() ?? '');
      assert.equal(env.ETCD_NAME, 'etcd5');
      assert.equal(env.ETCD_CERT_FILE, `${SSL}/member-etcd5.pem`);
      assert.equal(env.ETCD_PEER_KEY_FILE, `${SSL}/member-etcd5-key.pem`);
      assert.equal(env.ETCDCTL_CERT, `${SSL}/admin-etcd5.pem`);
      assert.equal(env.ETCD_LISTEN_CLIENT_URLS, 'https://127.0.130.15:2379');
      assert.equal(env.ETCD_LISTEN_PEER_URLS, 'https://127.0.130.15:2380');
      assert.equal(env.ETCD_ADVERTISE_CLIENT_URLS, 'https://127.0.130.15:2379');
      assert.equal(env.ETCD_INITIAL_CLUSTER_STATE, 'existing');
      // Kubespray's settings, copied from the member.
      assert.equal(env.ETCD_CLIENT_CERT_AUTH, 'true');
      assert.equal(env.ETCD_PEER_CLIENT_CERT_AUTH, 'true');
      assert.equal(env.ETCD_QUOTA_BACKEND_BYTES, '2147483648');
      assert.equal(env.ETCD_INITIAL_CLUSTER_TOKEN, 'k8s_etcd');
      assert.equal(env.ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL, '5s');
      assert.deepEqual(
        env.ETCD_INITIAL_CLUSTER.split(',').sort(),
        GROWN.map((n, i) => `${n}=https://127.0.130.${11 + i}:2380`).sort(),
      );
      const template = Object.entries(env).filter(
        ([k, v]) =>
          k !== 'ETCD_INITIAL_CLUSTER' && /\betcd1\b|127\.0\.130\.11\b/.test(v),
      );
      assert.deepEqual(
        template,
        [],
        'nothing of the template member is left but its place in the initial cluster',
      );
      await assertInvariants(lab(), { members: GROWN, keys });
    });
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

  describe('a worker killed while writing the derived env over TLS', () => {
    const lab = useKubesprayLab(134, 'none');
    const WORKER = join(__dirname, '..', '..', 'src', 'worker.js');
    const CRASH_WORKER = join(__dirname, '..', 'support', 'crashWorker.js');
    const workers: ChildProcess[] = [];
    after(() => {
      for (const w of workers) w.kill('SIGKILL');
    });

    it('completes 3 -> 5 on a new worker after the kill at writeEnvFile:after-save', async () => {
      const { client, server } = await getStack();
      const taskQueue = 'kubespray-crash-134';
      const logFile = join(tmpdir(), 'etcd-scaleout-kubespray-crash.log');
      const start = (args: string[]) => {
        const fd = openSync(logFile, 'a');
        const w = spawn(process.execPath, args, {
          stdio: ['ignore', fd, fd],
          env: {
            ...process.env,
            ...testWorkerEnv(),
            TEMPORAL_ADDRESS: server.address,
            TEMPORAL_TASK_QUEUE: taskQueue,
          },
        });
        workers.push(w);
        return w;
      };
      const first = start([CRASH_WORKER, 'writeEnvFile:after-save']);
      const keys = await lab().seedKeys(30);
      const handle = await client.workflow.start<typeof scaleOutEtcd>(
        WORKFLOW_TYPE,
        {
          taskQueue,
          workflowId: `kubespray-crash-${Date.now()}`,
          args: [lab().request()],
          typedSearchAttributes: [
            { key: EtcdCluster, value: 'lab-134' },
            { key: ScaleOutPhase, value: 'validate' },
          ],
        },
      );
      const how = await new Promise((resolve) =>
        first.once('exit', (code, signal) => resolve(signal ?? code)),
      );
      assert.equal(
        how,
        'SIGKILL',
        `the first worker should die at writeEnvFile:after-save; see ${logFile}`,
      );
      const second = start([WORKER]);
      const o = await outcome(handle);
      second.kill('SIGTERM');
      if (!o.ok) assert.fail(o.message);
      assert.equal(
        parseEnvFile(lab().hosts[0].envFile() ?? '').ETCD_NAME,
        'etcd4',
      );
      await assertInvariants(lab(), { members: GROWN, keys });
    });
  });
});
