/**
 * Tried as a new user would (lab block 90): a plain `temporal server start-dev` with no
 * `--search-attribute` flags, the shipped worker process with its defaults (inline settings
 * refused, the cluster's profile in its profiles folder), then `etcd-scaleout start --wait` from a
 * shell. The worker registers the search attributes the workflow needs, and the run grows the
 * cluster 3 -> 5. Its own dev server, so the suite's server (which has them) proves nothing here.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TemporalDevServer } from '../../lab';
import { alive, killGroup, startDaemon, waitFor } from '../../lab/processes';
import { connectClient } from '../../src/client';
import { DEFAULT_TASK_QUEUE } from '../../src/config';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/run/searchAttributes';
import { cli } from '../support/cli';
import { useLab } from '../support/labs';
import { TEST_TEMPORAL_PORT } from '../support/stack';
import { testTempDir } from '../support/tempDirs';

const WORKER = join(__dirname, '..', '..', 'src', 'worker.js');
const NAMESPACE = 'default';

/** Names of the custom search attributes the namespace has. */
async function customAttributes(address: string): Promise<string[]> {
  const c = await connectClient({ address });
  try {
    const r = await c.connection.operatorService.listSearchAttributes({
      namespace: NAMESPACE,
    });
    return Object.keys(r.customAttributes ?? {});
  } finally {
    await c.connection.close();
  }
}

describe('a plain Temporal dev server, the shipped worker and the CLI (block 90)', () => {
  const lab = useLab({ block: 90 });
  const dir = testTempDir('etcd-scaleout-plain-');
  const server = new TemporalDevServer({
    port: TEST_TEMPORAL_PORT + 46,
    headless: true,
    plain: true,
    logFile: join(dir, 'temporal.log'),
  });
  const workerLog = join(dir, 'worker.log');
  let worker: ChildProcess | undefined;

  before(async function () {
    this.timeout(120_000);
    await server.start();
  });
  after(async function () {
    this.timeout(60_000);
    killGroup(worker?.pid);
    await waitFor('the worker to exit', async () => !alive(worker?.pid)).catch(
      () => killGroup(worker?.pid, 'SIGKILL'),
    );
    await server.stop();
  });

  it('the worker registers the search attributes, and `etcd-scaleout start --wait` grows the cluster 3 -> 5', async function () {
    this.timeout(300_000);
    assert.deepEqual(
      await customAttributes(server.address),
      [],
      'a plain dev server has none of them',
    );

    const profiles = join(dir, 'profiles');
    lab().writeProfile(profiles);
    // Named in full: the CLI helper otherwise points at the suite's server and task queue.
    const env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: DEFAULT_TASK_QUEUE,
      ETCD_SCALEOUT_PROFILES_DIR: profiles,
    };
    worker = startDaemon(process.execPath, [WORKER], workerLog, {
      ...process.env,
      ...env,
    });
    const names = await waitFor(
      'the worker to register the search attributes',
      async () => {
        if (!alive(worker?.pid))
          throw new Error(`the worker exited: ${readFileSync(workerLog)}`);
        const have = await customAttributes(server.address);
        return SEARCH_ATTRIBUTE_KEYS.every((k) => have.includes(k.name))
          ? have
          : undefined;
      },
      60_000,
      250,
    );
    assert.deepEqual(
      [...names].sort(),
      SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).sort(),
    );
    assert.match(
      readFileSync(workerLog, 'utf8'),
      /registered search attributes EtcdCluster, TicketId, RequestedBy, ScaleOutPhase on namespace default/,
    );

    const request = join(dir, 'request.json');
    writeFileSync(request, JSON.stringify(lab().ticketRequest(), null, 2));
    const r = await cli(['start', request, '--wait'], env, 240_000);
    const shown = `exit ${r.code}\n${r.stdout}\n${r.stderr}\nworker log: ${workerLog}`;
    assert.equal(r.code, 0, shown);
    const result = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    assert.deepEqual([result.from, result.to], [3, 5], shown);

    const c = lab().cluster.client();
    try {
      const { members } = await c.cluster.memberList({});
      assert.equal(members.length, 5);
      assert.ok(members.every((m) => !m.isLearner));
    } finally {
      c.close();
    }
  });
});
