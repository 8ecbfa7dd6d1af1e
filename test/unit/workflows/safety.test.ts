/** The pure parts of the safety checks: the lock's refusals, shared machines, transient etcd errors, replacing a file. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import {
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCInvalidArgumentError,
  GRPCUnavailableError,
} from 'etcd3';
import { intentOwnsMember } from '../../../src/activities/etcd/addIntent';
import {
  etcdFailure,
  isTransientEtcdError,
} from '../../../src/activities/etcd/errors';
import { lockRefusal } from '../../../src/activities/etcd/lock';
import { memberIdHex } from '../../../src/activities/etcd/membership';
import {
  parseRunRecord,
  sameRun,
} from '../../../src/activities/etcd/runRecords';
import { orByHand } from '../../../src/activities/node/byHand';
import { replaceFile } from '../../../src/activities/node/envFile';
import { ErrorType } from '../../../src/domain/errors';
import { sharedMachineProblems } from '../../../src/workflows/steps/clusterLock';
import { testTempDir } from '../../support/tempDirs';

const holder = {
  workflowId: 'scaleout-a',
  runId: 'r1',
  since: '2026-01-01T00:00:00Z',
  ticket: 'OPS-1',
};

describe('the scale-out lock', () => {
  it('an open holder refuses the run, named with its ticket', () => {
    assert.equal(
      lockRefusal('prod', holder, 'open'),
      'cluster prod is being scaled out by workflow scaleout-a (run r1), ticket OPS-1, since 2026-01-01T00:00:00Z; one scale-out per cluster: wait for it or cancel it',
    );
  });
  it('a closed holder is taken over', () => {
    assert.equal(lockRefusal('prod', holder, 'closed'), undefined);
  });
  it('a holder Temporal does not know, or an unreadable lock, is left for the operator, with the command', () => {
    assert.match(
      lockRefusal('prod', holder, 'unknown')!,
      /does not know \(another namespace, or a history already deleted\); \/etcd-scaleout\/lock: inspect it with `etcdctl get \/etcd-scaleout\/lock -w json`; if no scale-out is running, delete it with `etcdctl del \/etcd-scaleout\/lock`/,
    );
    assert.equal(
      lockRefusal('prod', undefined, 'unknown', {
        createRevision: '12',
        modRevision: '14',
        version: '2',
      }),
      'cluster prod: the scale-out lock: /etcd-scaleout/lock holds a value this version cannot read (not a record naming a workflow run), so nothing says who wrote it and no run takes it over; /etcd-scaleout/lock (create revision 12, mod revision 14, version 2): inspect it with `etcdctl get /etcd-scaleout/lock -w json`; if no scale-out is running, delete it with `etcdctl del /etcd-scaleout/lock`',
    );
  });
  it("a member found with the new peer URL is this run's only when its intent names this run and says the add was sent", () => {
    const me = { workflowId: 'scaleout-a', runId: 'r1' };
    const stored = {
      key: '/etcd-scaleout/intent/x',
      value: '',
      createRevision: '5',
      modRevision: '6',
      version: '2',
    };
    const owns = (intent: Record<string, unknown> | undefined) =>
      intentOwnsMember({ stored, intent: intent as never }, me, '42');
    const base = { ...me, member: 'etcd4', at: 'now' };
    assert.deepEqual(owns({ ...base, state: 'adding' }), { ours: true });
    assert.deepEqual(owns(base), { ours: true }, 'written before claims');
    assert.deepEqual(owns({ ...base, state: 'adding', memberId: '42' }), {
      ours: true,
    });
    for (const [intent, why] of [
      [{ ...base, state: 'claimed' }, /never sent its add/],
      [
        { ...base, state: 'adding', memberId: '41' },
        /added member 41, not this one/,
      ],
      [
        { ...base, runId: 'r2' },
        /its add intent names workflow scaleout-a \(run r2\)/,
      ],
      [
        undefined,
        /holds a value this version cannot read .*create revision 5, mod revision 6, version 2/,
      ],
    ] as const) {
      const r = owns(intent);
      assert.ok(!r.ours && why.test(r.why), JSON.stringify(r));
    }
    assert.deepEqual(intentOwnsMember({}, me, '42'), {
      ours: false,
      why: 'no add intent names it',
    });
  });
  it('records are read back only when they name a run', () => {
    assert.ok(
      sameRun(parseRunRecord(JSON.stringify(holder))!, {
        workflowId: 'scaleout-a',
        runId: 'r1',
      }),
    );
    assert.equal(parseRunRecord('not json'), undefined);
    assert.equal(parseRunRecord('{"workflowId":1}'), undefined);
    assert.equal(parseRunRecord(null), undefined);
  });
});

describe('one machine per new member', () => {
  const m = (n: number) => ({
    name: `etcd${n}`,
    host: `10.0.0.${n}`,
    peerURL: `https://10.0.0.${n}:2380`,
    clientURL: `https://10.0.0.${n}:2379`,
  });
  it('names the members that share a machine ID', () => {
    assert.deepEqual(
      sharedMachineProblems(
        [m(4), m(5), m(6)],
        ['a'.repeat(32), 'b'.repeat(32), 'a'.repeat(32)],
      ),
      [
        `newMembers etcd4 (10.0.0.4) and etcd6 (10.0.0.6) are one machine (/etc/machine-id ${'a'.repeat(32)}): members on one machine fail together; give each its own machine`,
      ],
    );
  });
  it('has nothing to say about unknown IDs', () => {
    assert.deepEqual(sharedMachineProblems([m(4), m(5)], [null, null]), []);
  });
});

describe('transient and deterministic failures', () => {
  it('retries only what a retry can change', () => {
    for (const e of [
      new GRPCUnavailableError('unavailable'),
      new GRPCDeadlineExceededError('deadline'),
      new Error('connect ECONNREFUSED'),
    ])
      assert.ok(isTransientEtcdError(e), e.message);
    for (const e of [
      new GRPCInvalidArgumentError('bad'),
      new EtcdPermissionDeniedError('permission denied'),
    ])
      assert.ok(!isTransientEtcdError(e), e.message);
    const refused = etcdFailure(
      'member remove 1',
      new EtcdPermissionDeniedError('etcdserver: permission denied'),
    );
    assert.equal(refused.type, ErrorType.EtcdRequestRefused);
    assert.equal(refused.nonRetryable, true);
    assert.equal(
      etcdFailure('member remove 1', new GRPCUnavailableError('x'))
        .nonRetryable,
      false,
    );
  });
  it('a command that exits non-zero in an undo step is refused with what to do by hand; SSH failures stay retryable', async () => {
    const exited = ApplicationFailure.retryable(
      'systemctl stop on 10.0.0.4 exited 5: Unit etcd.service not loaded.',
      ErrorType.RemoteCommandFailed,
    );
    await assert.rejects(
      orByHand('10.0.0.4', 'systemctl stop etcd', () => Promise.reject(exited)),
      (e: ApplicationFailure) => {
        assert.equal(e.type, ErrorType.RemoteCommandRefused);
        assert.equal(e.nonRetryable, true);
        assert.match(
          e.message,
          /; left to do by hand on 10\.0\.0\.4: systemctl stop etcd$/,
        );
        return true;
      },
    );
    const ssh = ApplicationFailure.retryable(
      'ssh to 10.0.0.4 failed',
      ErrorType.SshFailed,
    );
    await assert.rejects(
      orByHand('10.0.0.4', 'x', () => Promise.reject(ssh)),
      (e) => e === ssh,
    );
  });
  it('spells member IDs as etcdctl does (hex)', () => {
    assert.equal(memberIdHex('12345678901234567890'), 'ab54a98ceb1f0ad2');
  });
});

describe('replacing a file (the env file)', () => {
  const sh = (script: string) => promisify(execFile)('/bin/sh', ['-c', script]);
  it('renames when it can', async () => {
    const d = testTempDir('replace-');
    writeFileSync(join(d, 'new'), 'A=1\n');
    writeFileSync(join(d, 'env'), 'old\n');
    const r = await sh(replaceFile(join(d, 'new'), join(d, 'env')));
    assert.equal(r.stdout.trim(), 'renamed');
    assert.equal(readFileSync(join(d, 'env'), 'utf8'), 'A=1\n');
    assert.ok(!existsSync(join(d, 'new')));
  });
  it("fails with mv's reason when the rename fails for anything but a busy target", async () => {
    const d = testTempDir('replace-');
    await assert.rejects(
      sh(replaceFile(join(d, 'missing'), join(d, 'env'))),
      /No such file/,
    );
    assert.ok(!existsSync(join(d, 'env')));
  });
});
