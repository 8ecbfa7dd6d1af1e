/**
 * scaleInEtcd with its worker SIGKILLed at a named point (test/support/crashWorker.ts): right after
 * etcd removed the first member, before Temporal heard of it. A fresh shipped worker retries the
 * removal, which finds the member gone (done, not an error) and goes on; the run ends 5 -> 3 with the
 * cluster healthy, the member list exact and the keys intact. Real etcd 3.6 and SSH (plain http lab of
 * five members with sshd on each; no control plane: the apiservers' part is tested in scaleIn.test.ts).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../lab';
import { SCALE_IN_WORKFLOW_TYPE } from '../../src/config';
import type { ScaleInResult, scaleInEtcd } from '../../src/workflows';
import {
  EtcdCluster,
  ScaleOutPhase,
} from '../../src/workflows/run/searchAttributes';
import { assertInvariants } from '../support/invariants';
import { scaleInRequest } from '../support/runs';
import { getStack } from '../support/stack';
import { exited, useWorkerProcesses } from '../support/workerProcesses';

const POINT = 'removeMemberById:after-remove@1';

describe('scaleInEtcd: worker SIGKILLed at a named point', () => {
  const startWorker = useWorkerProcesses();

  it(`kill point ${POINT} (etcd removed the member, Temporal has not heard)`, async () => {
    const { client, server } = await getStack();
    const lab = new Lab({
      block: 213,
      clusterSize: 5,
      newHosts: 0,
      memberSsh: true,
    });
    const taskQueue = 'crash-scale-in';
    const logFile = join(tmpdir(), 'etcd-scaleout-crash-scale-in.log');
    const first = startWorker(server.address, taskQueue, logFile, POINT);
    let second: ChildProcess | undefined;
    try {
      await lab.start();
      const keys = await lab.seedKeys(30);
      const started = Date.now();
      const handle = await client.workflow.start<typeof scaleInEtcd>(
        SCALE_IN_WORKFLOW_TYPE,
        {
          taskQueue,
          workflowId: `crash-scale-in-${Date.now()}`,
          args: [scaleInRequest(lab, ['etcd4', 'etcd5'])],
          typedSearchAttributes: [
            { key: EtcdCluster, value: 'lab-213' },
            { key: ScaleOutPhase, value: 'validate' },
          ],
        },
      );
      assert.equal(await exited(first), 'SIGKILL', `see ${logFile}`);
      second = startWorker(server.address, taskQueue, logFile);
      const r: ScaleInResult = await handle.result();
      assert.deepEqual(
        r.removed.map((x) => [x.member, x.removed]),
        [
          ['etcd4', false], // removed by the killed worker's attempt: found gone, done
          ['etcd5', true],
        ],
      );
      assert.deepEqual([...r.membersAfter].sort(), ['etcd1', 'etcd2', 'etcd3']);
      await assertInvariants(lab, {
        members: ['etcd1', 'etcd2', 'etcd3'],
        keys,
        fault: `scale-in, worker killed at ${POINT}`,
        outcome: 'completed 5 -> 3 on a fresh worker',
        startedAt: started,
      });
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      if (second) await exited(second);
      await lab.stop();
    }
  });
});
