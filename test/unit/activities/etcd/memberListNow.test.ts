/**
 * The member list membership decisions read (inspect.ts listMembersNow): a linearizable range, then the
 * member list with `linearizable: true`, both on one connection to one member; the next endpoint when a
 * member cannot answer; a retryable failure naming every endpoint when none can. The etcd client is
 * recorded here; the real read on etcd 3.4 and 3.6 is test/integration/readdSamePeer.test.ts.
 */
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { Etcd3 } from 'etcd3';
import type {
  ClusterRef,
  EtcdClients,
} from '../../../../src/activities/etcd/client';
import { createClusterReader } from '../../../../src/activities/etcd/inspect';
import { LOCK_KEY } from '../../../../src/activities/etcd/runRecords';

const cluster: ClusterRef = {
  name: 'c1',
  endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'],
};

const member = (n: number) => ({
  ID: `${n}`,
  name: `etcd${n}`,
  peerURLs: [`http://10.0.0.${n}:2380`],
  clientURLs: [`http://10.0.0.${n}:2379`],
  isLearner: false,
});

/** One host per client, as withMember makes them; `refuse` lists the hosts whose range fails. */
function recordingClients(refuse: string[] = []) {
  const calls: string[] = [];
  const clients: EtcdClients = {
    withCluster: () => {
      throw new Error('a pool may answer from another member: not used');
    },
    withMember: async (_c, host, fn) =>
      fn({
        get: (key: string) => ({
          exists: async () => {
            calls.push(`${host} range ${key}`);
            if (refuse.includes(host))
              throw new Error('etcdserver: request timed out');
            return false;
          },
        }),
        cluster: {
          memberList: async (req: { linearizable?: boolean }) => {
            calls.push(`${host} memberList ${JSON.stringify(req)}`);
            return {
              header: { cluster_id: '77' },
              members: [member(1), member(2)],
            };
          },
        },
      } as unknown as Etcd3),
  };
  return { clients, calls };
}

describe('the member list as of now (linearizable, one member)', () => {
  it('reads linearizably, then lists the members with linearizable: true, on the same member', async () => {
    const { clients, calls } = recordingClients();
    const found = await createClusterReader(clients).findByPeer(
      cluster,
      'http://10.0.0.2:2380',
    );
    assert.equal(found.member?.name, 'etcd2');
    assert.deepEqual(calls, [
      `http://10.0.0.1:2379 range ${LOCK_KEY}`,
      'http://10.0.0.1:2379 memberList {"linearizable":true}',
    ]);
  });

  it('goes on to the next endpoint when a member cannot answer the linearizable read', async () => {
    const { clients, calls } = recordingClients(['http://10.0.0.1:2379']);
    const { clusterId, members } =
      await createClusterReader(clients).listMembersNow(cluster);
    assert.equal(clusterId, '77');
    assert.equal(members.length, 2);
    assert.deepEqual(calls, [
      `http://10.0.0.1:2379 range ${LOCK_KEY}`,
      `http://10.0.0.2:2379 range ${LOCK_KEY}`,
      'http://10.0.0.2:2379 memberList {"linearizable":true}',
    ]);
  });

  it('fails retryably, naming each endpoint, when no member answers; never lists without the read', async () => {
    const { clients, calls } = recordingClients(cluster.endpoints);
    await assert.rejects(
      createClusterReader(clients).listMembersNow(cluster),
      (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, 'EtcdRequestFailed');
        assert.equal(err.nonRetryable, false);
        assert.match(
          err.message,
          /cluster c1: no member answered a linearizable member list \(http:\/\/10\.0\.0\.1:2379: .*timed out; http:\/\/10\.0\.0\.2:2379: .*timed out\)/,
        );
        return true;
      },
    );
    assert.ok(calls.every((c) => c.includes(' range ')));
  });

  it('inspect reads the member list as the member asked has it unless told linearizable', async () => {
    const { clients, calls } = recordingClients();
    const plain = {
      ...clients,
      withCluster: async <T>(_c: ClusterRef, fn: (c: Etcd3) => Promise<T>) =>
        fn({
          cluster: {
            memberList: async (req: object) => {
              calls.push(`pool memberList ${JSON.stringify(req)}`);
              return { header: { cluster_id: '77' }, members: [] };
            },
          },
          maintenance: { alarm: async () => ({ alarms: [] }) },
        } as unknown as Etcd3),
    };
    const reader = createClusterReader(plain);
    await reader.inspect(cluster);
    assert.deepEqual(calls, ['pool memberList {}']);
    calls.length = 0;
    await reader.inspect(cluster, { linearizable: true });
    assert.deepEqual(calls, [
      `http://10.0.0.1:2379 range ${LOCK_KEY}`,
      'http://10.0.0.1:2379 memberList {"linearizable":true}',
    ]);
  });
});
