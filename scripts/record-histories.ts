/**
 * Records the histories that the determinism test replays (test/fixtures/*.json): one successful
 * 3 -> 5 run and one rolled-back run, on the real lab and a throwaway Temporal dev server.
 * Re-record (and commit) only when a workflow change is meant to be incompatible, i.e. old histories
 * are gone; otherwise guard the change with `patched()` and keep the old fixtures.
 *   node dist/scripts/record-histories.js
 */

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, TemporalDevServer } from '../lab';
import { connectClient, startScaleOut } from '../src/client';
import { connectNativeConnection } from '../src/temporal/native';
import { createWorker } from '../src/worker';
import { progressQuery } from '../src/workflows/run/messages';

async function main() {
  const server = new TemporalDevServer({
    port: 7299,
    headless: true,
    logFile: join(tmpdir(), 'record-histories-temporal.log'),
  });
  await server.start();
  const worker = await createWorker({
    connection: (await connectNativeConnection({ address: server.address }))
      .connection,
    taskQueue: 'record',
    // The recorded runs send whole requests.
    deps: {
      profiles: {
        dir: join(tmpdir(), 'record-histories-profiles'),
        inlineSettings: 'allow',
      },
    },
  });
  const running = worker.run();
  const client = await connectClient({ address: server.address });
  const out = join(__dirname, '..', '..', 'test', 'fixtures');
  try {
    for (const kind of ['success', 'rollback'] as const) {
      const lab = new Lab({ block: 98 });
      await lab.start();
      try {
        const { handle, workflowId } = await startScaleOut(
          client,
          lab.request({
            ticket: { id: `FIXTURE-${kind}`, requestedBy: 'fixtures' },
          }),
          { taskQueue: 'record' },
        );
        if (kind === 'rollback') {
          for (;;) {
            const p = await handle.query(progressQuery).catch(() => undefined);
            if (p?.phase === 'canary') break;
            await new Promise((r) => setTimeout(r, 100));
          }
          createServer().listen(2380, lab.hosts[1].address).unref();
        }
        await handle.result().catch(() => undefined);
        // The CLI writes the history in Temporal's proto JSON, which the replay test reads back.
        const json = execFileSync(
          server.cli,
          [
            'workflow',
            'show',
            '--address',
            server.address,
            '--workflow-id',
            workflowId,
            '--output',
            'json',
          ],
          { maxBuffer: 64 << 20 },
        ).toString();
        const file = join(out, `history-${kind}.json`);
        writeFileSync(file, json);
        console.log(
          `${kind}: ${workflowId}, ${JSON.parse(json).events.length} events -> ${file}`,
        );
      } finally {
        await lab.stop();
      }
    }
  } finally {
    worker.shutdown();
    await running;
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
