/**
 * Real Kubespray clusters on etcd 3.6 over Kubespray-shaped mutual TLS: new nodes without an env file
 * (the env is derived from a healthy member's, read over SSH), and a worker killed mid-join over TLS.
 * The existing members are reachable over SSH, as Kubespray's etcd hosts are: the template env is
 * read on them. Certificates issued, removed by a rollback, or refused: kubespray-certificates.test.ts.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileP } from '../../lab/processes';
import { WORKFLOW_TYPE } from '../../src/config';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import type { scaleOutEtcd } from '../../src/workflows';
import {
  EtcdCluster,
  ScaleOutPhase,
} from '../../src/workflows/run/searchAttributes';
import { assertInvariants } from '../support/invariants';
import { recordTiming, useLab } from '../support/labs';
import { outcome, startRaw } from '../support/runs';
import { getStack, testWorkerEnv } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const GROWN = [...ORIGINAL, 'etcd4', 'etcd5'];
const SSL = '/etc/ssl/etcd/ssl';
const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

/** A TLS lab: its members run sshd too (LabOptions.memberSsh), as Kubespray's etcd hosts do. */
const useKubesprayLab = (block: number, hostEnv?: 'none') =>
  useLab({ block, tls: true, ...(hostEnv ? { hostEnv } : {}) });

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
