/**
 * waitForApiserver's rule, polled against a scripted node: it counts only the process that runs with
 * the expected --etcd-servers and answers /readyz ok, and only once that same process has stayed ready
 * without a break for the settle period; a break or a restart starts the settle period again.
 */
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { noCheckpoint } from '../../../../src/activities/checkpoints';
import { createApiserverActivities } from '../../../../src/activities/kube/apiserver';
import type { Readiness } from '../../../../src/activities/kube/readyz';
import type { Remote } from '../../../../src/activities/node/remote';
import type { SshTarget } from '../../../../src/activities/node/ssh';
import { ErrorType } from '../../../../src/domain/errors';

const OLD = ['https://127.0.40.11:2379'];
const NEW = [...OLD, 'https://127.0.40.14:2379'];
const TARGET: SshTarget = {
  host: '127.0.40.11',
  port: 22,
  user: 'root',
  privateKeyFile: '/id',
  knownHostsFile: '/known_hosts',
};
const NODE = {
  readyzURL: 'https://127.0.40.11:6443/readyz',
  tls: { caFile: '/ca.crt' },
};

/** One poll: the kube-apiserver process listening on 127.0.40.11:6443 (or none), and its /readyz. */
interface Poll {
  pid?: number;
  start?: string;
  servers?: string[];
  ready?: boolean;
}

/** /proc as the probe prints it: the process with its socket, then the listening socket (7001). */
const probeText = (p: Poll) =>
  [
    ...(p.pid
      ? [
          `pid ${p.pid}`,
          `start ${p.start ?? '1'}`,
          'socks 7001 ',
          `args kube-apiserver\x01--etcd-servers=${(p.servers ?? NEW).join(',')}\x01`,
        ]
      : []),
    'tcp',
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    `   0: 0B28007F:192B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${p.pid ? 7001 : 9999} 1 0000000000000000 100 0 0 10 0`,
    '',
  ].join('\n');

/** The activities over a node that answers `polls` in turn (the last one from then on). */
function scripted(polls: Poll[]) {
  let i = 0;
  const current = () => polls[Math.min(i, polls.length - 1)];
  const remote: Remote = {
    run: async () => ({ code: 0, stdout: probeText(current()), stderr: '' }),
    mustRun: async () => ({ code: 0, stdout: '', stderr: '' }),
  };
  const readyz = async (): Promise<Readiness> => {
    const p = current();
    i++;
    return p.ready === false
      ? { ready: false, why: '/readyz answered 500: etcd failed' }
      : { ready: true };
  };
  const acts = createApiserverActivities({
    remote,
    checkpoint: noCheckpoint,
    readyz,
  });
  return {
    acts,
    /** How many polls reached /readyz (a process with the wrong list or none does not). */
    asked: () => i,
  };
}

describe('waiting for a kube-apiserver (waitForApiserver)', () => {
  it('counts only the process with the new list, and only after it stayed ready for the settle period', async () => {
    // Polls every 0.5 s: ready once, a break, then ready three times in a row; settle 1 s.
    const node = scripted([
      { pid: 10, ready: true },
      { pid: 10, ready: false },
      { pid: 10, ready: true },
      { pid: 10, ready: true },
      { pid: 10, ready: true },
    ]);
    const r = await node.acts.waitForApiserver(TARGET, NODE, {
      etcdServers: NEW,
      settleMs: 1_000,
      deadline: Date.now() + 20_000,
    });
    assert.equal(r.pid, 10);
    assert.deepEqual(r.etcdServers, NEW);
    assert.equal(r.polls, 5, 'the break restarted the settle period');
    assert.ok(
      r.waitedMs >= 900,
      `settle began after the break (${r.waitedMs} ms)`,
    );
  });

  it('starts the settle period again when the process is restarted, and never counts one with the old list', async () => {
    let poll = 0;
    const plan: Poll[] = [
      { pid: 9, servers: OLD, ready: true }, // the kubelet has not acted yet
      { pid: 10, start: '100', ready: true },
      { pid: 11, start: '200', ready: true }, // restarted again: another process
      { pid: 11, start: '200', ready: true },
      { pid: 11, start: '200', ready: true },
    ];
    const remote: Remote = {
      run: async () => ({
        code: 0,
        stdout: probeText(plan[Math.min(poll++, plan.length - 1)]),
        stderr: '',
      }),
      mustRun: async () => ({ code: 0, stdout: '', stderr: '' }),
    };
    const acts = createApiserverActivities({
      remote,
      checkpoint: noCheckpoint,
      readyz: async () => ({ ready: true }),
    });
    const r = await acts.waitForApiserver(TARGET, NODE, {
      etcdServers: NEW,
      settleMs: 1_000,
      deadline: Date.now() + 20_000,
    });
    assert.equal(r.pid, 11);
    assert.equal(r.polls, 5);
  });

  it('fails at the deadline as ApiserverNotReady, naming what it saw last', async () => {
    const node = scripted([{ pid: 9, servers: OLD, ready: true }]);
    await assert.rejects(
      node.acts.waitForApiserver(TARGET, NODE, {
        etcdServers: NEW,
        settleMs: 1_000,
        deadline: Date.now() + 1_200,
      }),
      (err) =>
        err instanceof ApplicationFailure &&
        err.type === ErrorType.ApiserverNotReady &&
        err.nonRetryable &&
        /was not ready with the --etcd-servers it should run with for 1 s by .*: kube-apiserver pid 9 still runs with --etcd-servers=https:\/\/127\.0\.40\.11:2379 \(waiting for https:\/\/127\.0\.40\.11:2379,https:\/\/127\.0\.40\.14:2379\)$/.test(
          err.message,
        ),
    );
    assert.equal(
      node.asked(),
      0,
      '/readyz is not asked of a process with the old list',
    );
  });
});
