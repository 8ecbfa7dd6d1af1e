/** The pure parts of the safety checks: the lock's refusals, shared machines, transient etcd errors, replacing a file. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import {
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCInvalidArgumentError,
  GRPCUnavailableError,
} from 'etcd3';
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
import { sharedMachineProblems } from '../../../src/workflows/clusterLock';

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
      /does not know; if no scale-out is running, delete it by hand \(etcdctl del \/etcd-scaleout\/lock\)/,
    );
    assert.match(
      lockRefusal('prod', undefined, 'unknown')!,
      /holds no run this version can read/,
    );
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
    const d = mkdtempSync(join(tmpdir(), 'replace-'));
    writeFileSync(join(d, 'new'), 'A=1\n');
    writeFileSync(join(d, 'env'), 'old\n');
    const r = await sh(replaceFile(join(d, 'new'), join(d, 'env')));
    assert.equal(r.stdout.trim(), 'renamed');
    assert.equal(readFileSync(join(d, 'env'), 'utf8'), 'A=1\n');
    assert.ok(!existsSync(join(d, 'new')));
  });
  it("fails with mv's reason when the rename fails for anything but a busy target", async () => {
    const d = mkdtempSync(join(tmpdir(), 'replace-'));
    await assert.rejects(
      sh(replaceFile(join(d, 'missing'), join(d, 'env'))),
      /No such file/,
    );
    assert.ok(!existsSync(join(d, 'env')));
  });
});
