/**
 * The memberEnvFiles phase's rare branches, which the lab reaches only by breaking a host for good:
 * a member whose host does not answer is left and named (the run succeeds), and any other failure
 * stops the phase and puts back every file it changed (the run still succeeds: etcd is done).
 */
import assert from 'node:assert/strict';
import { ErrorType } from '../../src/domain/errors';
import {
  afterPreflight,
  joinCalls,
  memberEnvCalls,
  request,
  useTimeSkipping,
} from '../support/timeSkipping';

const FULL = [1, 2, 3, 4, 5]
  .map((i) => `etcd${i}=http://127.0.90.1${i}:2380`)
  .join(',');
const WRITE = `write ETCD_INITIAL_CLUSTER=${FULL} and ETCD_INITIAL_CLUSTER_STATE=existing there (no restart needed)`;

describe('scaleOutEtcd on the time-skipping test server, stub activities: members env files', () => {
  const run = useTimeSkipping();

  it('a member whose host does not answer is left and named with what to write; the others are updated; the run succeeds', async () => {
    const r = await run(request(), {
      'updateMemberEnvFile @127.0.90.12': {
        type: ErrorType.SshFailed,
        message: 'connect ECONNREFUSED 127.0.90.12:2222',
      },
    });
    assert.ok(r.ok, `the run succeeds${r.ok ? '' : `: ${r.message}`}`);
    assert.deepEqual(afterPreflight(r.calls).slice(-7), [
      'inspectCluster', // the result's member list, read beside the env files
      ...memberEnvCalls('etcd4', 'etcd5'),
      'releaseScaleOutLock',
    ]);
    const report = r.result.memberEnvFiles;
    assert.equal(report?.initialCluster, FULL);
    assert.deepEqual(
      report?.files.map((f) => `${f.member} ${f.host} ${f.state}`),
      [
        'etcd1 127.0.90.11 updated',
        'etcd2 127.0.90.12 left',
        'etcd3 127.0.90.13 updated',
        'etcd4 127.0.90.14 updated',
        'etcd5 127.0.90.15 updated',
      ],
    );
    const left = `/etc/etcd.env on 127.0.90.12 (member etcd2) was not updated (the host did not answer: SshFailed: connect ECONNREFUSED 127.0.90.12:2222): ${WRITE}`;
    assert.deepEqual(report?.leftByHand, [left]);
    assert.ok(r.result.warnings.includes(left), r.result.warnings.join('; '));
  });

  it('a member host that does not answer in preflight: the plan warns before any change, the run goes on and updates the file once the host answers', async () => {
    const r = await run(request(), {
      'readEnvFile @127.0.90.12': {
        type: ErrorType.SshFailed,
        message: 'connect ECONNREFUSED 127.0.90.12:2222',
      },
    });
    assert.ok(r.ok, `the run succeeds${r.ok ? '' : `: ${r.message}`}`);
    const warning =
      "member host 127.0.90.12 did not answer over SSH in preflight (SshFailed: connect ECONNREFUSED 127.0.90.12:2222): after the new members join, its /etc/etcd.env is updated only if it answers then, else left by hand (the run's memberEnvFiles report says what to write)";
    assert.ok(
      r.result.warnings.includes(warning),
      r.result.warnings.join('; '),
    );
    assert.deepEqual(
      r.result.memberEnvFiles?.files.map((f) => `${f.member} ${f.state}`),
      [
        'etcd1 updated',
        'etcd2 updated',
        'etcd3 updated',
        'etcd4 updated',
        'etcd5 updated',
      ],
    );
  });

  it('any other failure stops the phase, once every write in flight has ended, and puts back every file it changed, newest first; the run succeeds', async () => {
    const r = await run(request(), {
      'updateMemberEnvFile etcd4': {
        type: ErrorType.RemoteCommandRefused,
        message: 'write /etc/etcd.env: Read-only file system',
      },
    });
    assert.ok(r.ok, `the run succeeds${r.ok ? '' : `: ${r.message}`}`);
    assert.deepEqual(afterPreflight(r.calls), [
      'takeSnapshot',
      ...joinCalls('etcd4', 'ahead'),
      'verifyCluster',
      ...joinCalls('etcd5', 'ahead'),
      // Written all at once: etcd5's write had gone out beside etcd4's failing one; the result's member
      // list is read beside them.
      'inspectCluster',
      ...memberEnvCalls('etcd4', 'etcd5'),
      'restoreEnvFile etcd5',
      'restoreEnvFile etcd4',
      'restoreEnvFile',
      'restoreEnvFile',
      'restoreEnvFile',
      'releaseScaleOutLock',
    ]);
    const report = r.result.memberEnvFiles;
    assert.deepEqual(
      report?.files.map((f) => `${f.member} ${f.state}`),
      [
        'etcd1 restored',
        'etcd2 restored',
        'etcd3 restored',
        // Its write failed, but the undo found a saved original (the stub's answer): a write whose answer was lost may have happened.
        'etcd4 restored',
        'etcd5 restored',
      ],
    );
    assert.match(
      report?.leftByHand.join('\n') ?? '',
      /^\/etc\/etcd\.env on 127\.0\.90\.11 \(member etcd1\) was put back as it was: write ETCD_INITIAL_CLUSTER=/,
    );
    assert.ok(
      report?.leftByHand.some((l) =>
        l.startsWith(
          '/etc/etcd.env on 127.0.90.15 (member etcd5) was put back as it was: write ETCD_INITIAL_CLUSTER=',
        ),
      ),
      report?.leftByHand.join('\n'),
    );
    assert.equal(report?.leftByHand.length, 5);
  });
});
