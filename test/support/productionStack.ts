/**
 * The production-shaped stack of test/integration/production-*.test.ts, shared by the file's tests:
 * temporal-server on PostgreSQL (lab/temporalServer.ts), two shipped worker processes
 * (node dist/src/worker.js) that keep the labs' cluster profiles and refuse inline settings, as in
 * production, and the HTTP API (in process, its own Temporal client). Ports of its own, so it runs
 * beside the suite's dev server.
 *
 * All over mutual TLS, as a production server requires it: the server's certificates and the
 * clients' from the lab (lab/temporalPki.ts); the workers and the CLI get the standard TEMPORAL_TLS_*
 * variables in their environment, the in-process client the same variables through the connect
 * module's `env` (the test process's own environment stays untouched).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { TemporalServer } from '../../lab';
import { alive, waitFor } from '../../lab/processes';
import { buildApi } from '../../src/api/server';
import { connectClient } from '../../src/client';
import { API_TOKENS } from './api';
import { sharedFixture } from './shared';

export const PROD_TEMPORAL_PORT = 7800;
export const PROD_POSTGRES_PORT = 7850;
export const PROD_API_PORT = 18096;
export const PROD_API = `http://127.0.0.1:${PROD_API_PORT}`;
export const PROD_TASK_QUEUE = 'etcd-scaleout-production';
export const PROD_NAMESPACE = 'default';

const WORKER = join(__dirname, '..', '..', 'src', 'worker.js');

/** What a process needs to reach the stack's Temporal: its address, namespace and TLS files. */
export const prodTemporalEnv = (
  server: TemporalServer,
): Record<string, string> => ({
  TEMPORAL_ADDRESS: server.address,
  TEMPORAL_NAMESPACE: PROD_NAMESPACE,
  ...server.clientEnv,
});

/** A shipped worker process; `identity` is the SDK's default (pid@host), as histories name it. */
export interface WorkerProcess {
  name: string;
  process: ChildProcess;
  identity: string;
  logFile: string;
}

export interface ProductionStack {
  server: TemporalServer;
  client: Client;
  api: FastifyInstance;
  workers: WorkerProcess[];
  /** The workers' cluster profiles (Lab.writeProfile writes a lab's here). */
  profilesDir: string;
  logDir: string;
  /** Starts another shipped worker (after a kill) under `name`. */
  startWorker(name: string): WorkerProcess;
  /** How long each start-up step took, in seconds, for the file's summary. */
  startUp: Record<string, number>;
}

function spawnWorker(
  name: string,
  server: TemporalServer,
  profilesDir: string,
  logDir: string,
): WorkerProcess {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [WORKER], {
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      ...prodTemporalEnv(server),
      TEMPORAL_TASK_QUEUE: PROD_TASK_QUEUE,
      ETCD_SCALEOUT_PROFILES_DIR: profilesDir,
      ETCD_SCALEOUT_INLINE_SETTINGS: '',
    },
  });
  return {
    name,
    process: child,
    identity: `${child.pid}@${hostname()}`,
    logFile,
  };
}

/** Every poller of the task queue, by identity (a worker counts once it polls). */
async function pollers(client: Client): Promise<string[]> {
  const r = await client.workflowService.describeTaskQueue({
    namespace: PROD_NAMESPACE,
    taskQueue: { name: PROD_TASK_QUEUE },
    taskQueueType: 1, // workflow tasks
  });
  return (r.pollers ?? []).map((p) => p.identity ?? '');
}

/** Waits until each worker polls the task queue (or fails naming its log when it exits first). */
export async function waitForPollers(
  client: Client,
  workers: WorkerProcess[],
): Promise<void> {
  await waitFor(
    `workers ${workers.map((w) => w.name).join(', ')} polling ${PROD_TASK_QUEUE}`,
    async () => {
      for (const w of workers)
        if (!alive(w.process.pid))
          throw new Error(`${w.name} exited; see ${w.logFile}`);
      const seen = await pollers(client);
      return workers.every((w) => seen.includes(w.identity));
    },
    120_000,
    500,
  );
}

async function setUp(): Promise<ProductionStack> {
  const logDir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-production-'));
  const profilesDir = join(logDir, 'profiles');
  const server = new TemporalServer({
    portBase: PROD_TEMPORAL_PORT,
    postgresPort: PROD_POSTGRES_PORT,
    namespace: PROD_NAMESPACE,
    logDir,
    mutualTls: true,
  });
  const started = Date.now();
  await server.start();
  const client = await connectClient({ env: prodTemporalEnv(server) });
  const workers = ['worker-a', 'worker-b'].map((n) =>
    spawnWorker(n, server, profilesDir, logDir),
  );
  const workersStarted = Date.now();
  await waitForPollers(client, workers);
  const api = await buildApi({
    client,
    tokens: API_TOKENS,
    taskQueue: PROD_TASK_QUEUE,
  });
  await api.listen({ host: '127.0.0.1', port: PROD_API_PORT });
  const t = server.times;
  const startUp = {
    certificates: (t.certificates ?? 0) / 1000,
    postgres: (t.postgres ?? 0) / 1000,
    schemas: (t.schemas ?? 0) / 1000,
    server: t.server / 1000,
    namespace: (t.namespace ?? 0) / 1000,
    'two workers polling': (Date.now() - workersStarted) / 1000,
    total: (Date.now() - started) / 1000,
  };
  return {
    server,
    client,
    api,
    workers,
    profilesDir,
    logDir,
    startUp,
    startWorker(name) {
      const w = spawnWorker(name, server, profilesDir, logDir);
      workers.push(w);
      return w;
    },
  };
}

async function tearDown(stack: ProductionStack): Promise<void> {
  await stack.api.close();
  for (const w of stack.workers) w.process.kill('SIGTERM');
  await Promise.all(
    stack.workers.map((w) =>
      waitFor(
        `${w.name} to exit`,
        async () => !alive(w.process.pid),
        20_000,
      ).catch(() => w.process.kill('SIGKILL')),
    ),
  );
  await stack.client.connection.close();
  await stack.server.stop();
  if (!process.env.KEEP_PRODUCTION_LOGS)
    rmSync(stack.logDir, { recursive: true, force: true });
}

/** The stack for the describe blocks that call it: started before the first, stopped after the last. */
export const useProductionStack = sharedFixture(setUp, tearDown, 300_000);
