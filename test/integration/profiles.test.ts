/**
 * Cluster profiles on the real stack: a worker that refuses inline settings (the shipped default),
 * with the lab cluster's profile in its profiles folder. A ticket's request names the cluster, the new
 * members and the ticket; POSTed to the HTTP API, its run grows the cluster 3 -> 5 with the profile's
 * endpoints, SSH and paths. A request that sets a node setting itself, or names a cluster without a
 * profile, is refused in validate, naming the field, before anything changes. The same holds for a
 * Kubespray-shaped cluster with mutual TLS, whose profile names its TLS files.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { Lab } from '../../lab';
import { buildApi } from '../../src/api/server';
import { tokenDigest } from '../../src/api/tokens';
import { startScaleOut } from '../../src/client';
import { WORKFLOW_TYPE } from '../../src/config';
import { ErrorType } from '../../src/domain/errors';
import { connectNativeConnection } from '../../src/temporal/native';
import { createWorker } from '../../src/worker';
import type { scaleOutEtcd } from '../../src/workflows';
import {
  EtcdCluster,
  ScaleOutPhase,
} from '../../src/workflows/run/searchAttributes';
import { activitiesOf, auditOf } from '../support/history';
import { outcome, type RunHandle } from '../support/runs';
import { getStack, TEST_PROFILES } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const TASK_QUEUE = 'etcd-scaleout-test-profiles';
const TOKEN = 'profiles-test-token';

describe('cluster profiles on the worker', () => {
  const lab = new Lab({ block: 200 });
  const profiles = { dir: TEST_PROFILES.dir, inlineSettings: 'deny' as const };
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let keys: Record<string, string>;
  let api: FastifyInstance | undefined;

  before(async () => {
    const [stack] = await Promise.all([getStack(), lab.start()]);
    keys = await lab.seedKeys(40);
    lab.writeProfile(profiles.dir);
    rmSync(join(profiles.dir, 'lab-201.json'), { force: true });
    worker = await createWorker({
      connection: (
        await connectNativeConnection({
          address: stack.server.address,
        })
      ).connection,
      taskQueue: TASK_QUEUE,
      deps: { profiles },
    });
    running = worker.run();
    api = await buildApi({
      client: stack.client,
      taskQueue: TASK_QUEUE,
      tokens: [
        {
          digest: tokenDigest(TOKEN),
          identity: { name: 'ticketing', roles: ['requester'] },
        },
      ],
    });
  });
  after(async () => {
    await api?.close();
    worker?.shutdown();
    await running;
    await lab.stop();
  });

  const start = async (request: unknown) => {
    const { client } = await getStack();
    return (await startScaleOut(client, request, { taskQueue: TASK_QUEUE }))
      .handle;
  };

  it('refuses inline settings naming each field, and a cluster without a profile, and changes nothing', async () => {
    const inline = await start({
      ...lab.ticketRequest({ ticket: { id: 'LAB-200-INLINE' } }),
      // A valid value: refused for being the request's, not for its shape.
      node: { service: 'etcd.service' },
      backup: { dir: '/var/backups/etcd-elsewhere' },
    });
    const refused = await outcome(inline);
    assert.equal(refused.ok, false, 'the inline settings were accepted');
    if (refused.ok) return;
    assert.equal(refused.failure.type, ErrorType.InlineSettingRefused);
    assert.equal(refused.failure.nonRetryable, true);
    assert.match(
      refused.message,
      /backup\.dir: is set by the profile of cluster lab-200 on the worker \(.*lab-200\.json\), and the worker refuses inline settings/,
    );
    // A setting the profile leaves at its default is not a ticket's either.
    assert.match(
      refused.message,
      /node\.service: is not a ticket's to set: the profile of cluster lab-200 on the worker \(.*lab-200\.json\) leaves it at its default/,
    );
    assert.deepEqual(
      refused.details.map((e: { field: string }) => e.field),
      ['node.service', 'backup.dir'],
    );
    // The only activity was the profile's read: no node or cluster was touched.
    assert.deepEqual(
      (await activitiesOf(inline)).map((a) => a.name),
      ['loadClusterProfile'],
    );

    const other = lab.ticketRequest({ ticket: { id: 'LAB-200-OTHER' } });
    (other.cluster as { name: string }).name = 'lab-201';
    const missing = await outcome(await start(other));
    assert.equal(missing.ok, false, 'a cluster without a profile was accepted');
    if (missing.ok) return;
    assert.equal(missing.failure.type, ErrorType.ProfileMissing);
    assert.match(
      missing.message,
      /cluster\.name: cluster "lab-201" has no profile on the worker \(.*lab-201\.json\), and the worker refuses inline settings/,
    );

    assert.deepEqual(
      await lab.checkInvariants({ members: ORIGINAL, keys }),
      [],
    );
  });

  it("refuses issue 17's hostile ticket requests through the API and straight on Temporal, naming the field, and the worker stays up", async () => {
    const { client } = await getStack();
    const hostile: Array<{
      name: string;
      field: string;
      edit: (r: Record<string, any>) => void;
      /** The API's own check refuses it (400); otherwise the worker's validate does, after a 201. */
      api: 400 | 201;
    }> = [
      {
        name: 'notify secret /dev/zero',
        field: 'notify.secretFile',
        edit: (r) =>
          (r.notify = {
            webhookUrl: 'https://tickets.example.com/hooks/etcd',
            secretFile: '/dev/zero',
          }),
        api: 400,
      },
      {
        name: 'webhook on the cloud metadata address',
        field: 'notify.webhookUrl',
        edit: (r) =>
          (r.notify = {
            webhookUrl: 'http://169.254.169.254/latest/meta-data',
          }),
        api: 400,
      },
      {
        name: "new member on a loopback host outside the profile's networks",
        field: 'newMembers[0].host',
        edit: (r) =>
          (r.newMembers[0] = {
            name: 'etcd4',
            host: '127.0.0.1',
            peerURL: 'http://127.0.0.1:2380',
            clientURL: 'http://127.0.0.1:2379',
          }),
        api: 201,
      },
      {
        name: 'certificates "issue" from the ticket (the profile does not set it)',
        field: 'strategy.certificates',
        edit: (r) => (r.strategy = { certificates: 'issue' }),
        api: 201,
      },
      {
        name: 'etcd binary //tmp/etcd',
        field: 'node.etcdBinary',
        edit: (r) => (r.node = { etcdBinary: '//tmp/etcd' }),
        api: 400,
      },
      {
        name: 'webhook with a malformed %-escape',
        field: 'notify.webhookUrl',
        edit: (r) =>
          (r.notify = { webhookUrl: 'https://tickets.example.com/hook/%zz' }),
        api: 400,
      },
    ];
    const refusedRun = async (handle: RunHandle, c: (typeof hostile)[0]) => {
      const o = await outcome(handle);
      assert.equal(o.ok, false, `${c.name}: was accepted`);
      if (o.ok) return;
      assert.ok(
        [
          ErrorType.InvalidRequest as string,
          ErrorType.InlineSettingRefused as string,
        ].includes(o.failure.type ?? ''),
        `${c.name}: ${o.failure.type}: ${o.message}`,
      );
      assert.equal(o.failure.nonRetryable, true, c.name);
      assert.ok(o.message.includes(`${c.field}: `), `${c.name}: ${o.message}`);
      // At most the profile's read ran (a request malformed on its face is refused before it): no node
      // or cluster was touched.
      const ran = (await activitiesOf(handle)).map((a) => a.name);
      assert.ok(
        ran.every((a) => a === 'loadClusterProfile'),
        `${c.name}: ${ran}`,
      );
    };
    for (const [i, c] of hostile.entries()) {
      const request = lab.ticketRequest({
        ticket: { id: `LAB-200-HOSTILE-${i}` },
      }) as Record<string, any>;
      c.edit(request);
      // Through the HTTP API, as a requester's token.
      const posted = await api?.inject({
        method: 'POST',
        url: '/v1/scaleouts',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: request,
      });
      assert.equal(posted?.statusCode, c.api, `${c.name}: ${posted?.body}`);
      if (c.api === 400) {
        const fields = posted?.json().fields.map((f: any) => f.field);
        assert.ok(fields.includes(c.field), `${c.name}: ${posted?.body}`);
      } else
        await refusedRun(
          client.workflow.getHandle(posted?.json().workflowId),
          c,
        );
      // Straight on Temporal, past every client-side check: the worker's validate refuses it.
      const raw = await client.workflow.start<typeof scaleOutEtcd>(
        WORKFLOW_TYPE,
        {
          taskQueue: TASK_QUEUE,
          workflowId: `test-hostile-${i}-${randomUUID()}`,
          args: [request as any],
          typedSearchAttributes: [
            { key: EtcdCluster, value: 'lab-200' },
            { key: ScaleOutPhase, value: 'validate' },
          ],
        },
      );
      await refusedRun(raw, c);
    }
    // The worker stays up: still running, and the next case's 3 -> 5 runs on it.
    assert.equal(worker?.getState(), 'RUNNING');
    assert.deepEqual(
      await lab.checkInvariants({ members: ORIGINAL, keys }),
      [],
    );
  });

  it('grows the cluster 3 -> 5 from a request naming only the cluster, the new members and the ticket, POSTed to the API', async () => {
    const request = lab.ticketRequest({ ticket: { id: 'LAB-200' } });
    assert.deepEqual(Object.keys(request).sort(), [
      'cluster',
      'newMembers',
      'ticket',
    ]);
    const started = Date.now();
    const posted = await api?.inject({
      method: 'POST',
      url: '/v1/scaleouts',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: request,
    });
    assert.equal(posted?.statusCode, 201, posted?.body);
    const { client } = await getStack();
    const handle = client.workflow.getHandle<typeof scaleOutEtcd>(
      posted?.json().workflowId,
    );
    const o = await outcome(handle);
    if (!o.ok) assert.fail(o.message);
    console.log(
      `      3 -> 5 from a ticket's request took ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
    assert.equal(o.result.from, 3);
    assert.equal(o.result.to, 5);
    // The profile's backup folder was used.
    assert.ok(o.result.backup.path.startsWith(`${lab.dir}/backups/`));
    assert.deepEqual(
      await lab.checkInvariants({
        members: [...ORIGINAL, 'etcd4', 'etcd5'],
        keys,
      }),
      [],
    );
    // The history records the profile the run used: the audit report shows it.
    const audit = await auditOf(handle);
    assert.match(audit.profile?.file ?? '', /lab-200\.json$/);
    assert.equal(audit.profile?.inlineSettings, 'deny');
    assert.deepEqual(audit.profile?.profile, lab.profile());
  });

  it("grows a Kubespray-shaped mutual-TLS cluster 3 -> 5 from its profile's TLS files and Kubespray paths", async () => {
    const tlsLab = new Lab({ block: 202, tls: true });
    try {
      await tlsLab.start();
      const tlsKeys = await tlsLab.seedKeys(20);
      const profile = tlsLab.profile();
      assert.ok(profile.cluster.tls, 'the TLS lab has client TLS files');
      assert.ok(profile.cluster.endpoints.every((e) => e.startsWith('https:')));
      tlsLab.writeProfile(profiles.dir);
      const handle = await start(
        tlsLab.ticketRequest({ ticket: { id: 'LAB-202' } }),
      );
      const o = await outcome(handle);
      if (!o.ok) assert.fail(o.message);
      assert.equal(o.result.to, 5);
      assert.deepEqual(
        await tlsLab.checkInvariants({
          members: [...ORIGINAL, 'etcd4', 'etcd5'],
          keys: tlsKeys,
        }),
        [],
      );
      const audit = await auditOf(handle);
      assert.deepEqual(audit.profile?.profile, profile);
      assert.equal(audit.profile?.inlineSettings, 'deny');
    } finally {
      await tlsLab.stop();
    }
  });
});
