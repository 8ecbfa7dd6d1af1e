/**
 * The Web UI tests' shared set-up (test/integration/ui-*.test.ts): a Temporal dev server of their own
 * with its real Web UI, an in-process worker with the real activities, and real Chromium (Debian's,
 * driven by playwright-core), started once for the files that use them. The steps an operator takes
 * in the UI: uiSteps.ts.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import {
  DefaultLogger,
  type NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { TemporalDevServer } from '../../lab';
import { portOpen, waitFor } from '../../lab/processes';
import { connectClient } from '../../src/client';
import { connectNativeConnection } from '../../src/temporal/native';
import { createWorker } from '../../src/worker';
import { sharedFixture } from './shared';
import { TEST_PROFILES } from './stack';

export const TEMPORAL_PORT = Number(process.env.UI_TEST_TEMPORAL_PORT || 7544);
export const UI_PORT = Number(process.env.UI_TEST_UI_PORT || 8544);
export const TASK_QUEUE = 'etcd-scaleout-ui-test';
export const NAMESPACE = 'default';
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Step screenshots, for looking at a failure afterwards. */
export const ARTIFACTS = join(tmpdir(), 'etcd-scaleout-ui-test');
export const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];

/** Flags for a machine without internet: no background fetches, no QUIC, no sandbox (root). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface WebUi {
  server: TemporalDevServer;
  connection: NativeConnection;
  worker: Worker;
  running: Promise<void>;
  client: Client;
  browser: BrowserContext;
  profileDir: string;
  page: Page;
}

let current: WebUi | undefined;

/** The Web UI set up by useWebUi (for the steps, uiSteps.ts). */
export function webUi(): WebUi {
  if (!current) throw new Error('the Web UI is not set up (useWebUi)');
  return current;
}

export async function shot(name: string): Promise<void> {
  const { page } = webUi();
  await page
    .screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
    .catch(() => undefined);
}

const sharedWebUi = sharedFixture<WebUi>(
  async () => {
    const t0 = Date.now();
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    try {
      // Activity retries are expected (the seconds after a promotion): errors only. The suite's stack
      // may have installed the runtime already.
      Runtime.install({
        logger: new DefaultLogger(
          (process.env.TEST_LOG_LEVEL as 'ERROR') || 'ERROR',
        ),
      });
    } catch {
      // already installed
    }
    const ui: Partial<WebUi> = {};
    try {
      const server = new TemporalDevServer({
        port: TEMPORAL_PORT,
        uiPort: UI_PORT,
        logFile: join(tmpdir(), 'etcd-scaleout-ui-test-temporal.log'),
      });
      ui.server = server;
      await server.start();
      await waitFor(
        `Temporal Web UI on port ${UI_PORT}`,
        () => portOpen('127.0.0.1', UI_PORT),
        60_000,
      );
      ui.connection = (
        await connectNativeConnection({
          address: server.address,
        })
      ).connection;
      ui.worker = await createWorker({
        connection: ui.connection,
        namespace: NAMESPACE,
        taskQueue: TASK_QUEUE,
        deps: { profiles: TEST_PROFILES },
      });
      ui.running = ui.worker.run();
      ui.client = await connectClient({
        address: server.address,
        namespace: NAMESPACE,
      });

      ui.profileDir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-chromium-'));
      ui.browser = await chromium.launchPersistentContext(ui.profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1280, height: 900 },
      });
      ui.browser.setDefaultTimeout(30_000);
      ui.page = ui.browser.pages()[0] ?? (await ui.browser.newPage());
    } catch (err) {
      await stopWebUi(ui);
      throw err;
    }
    console.log(
      `      set-up (Temporal + UI, worker, Chromium) took ${((Date.now() - t0) / 1000).toFixed(1)}s; screenshots in ${ARTIFACTS}`,
    );
    current = ui as WebUi;
    return current;
  },
  async (ui) => {
    current = undefined;
    await stopWebUi(ui);
  },
  300_000,
);

async function stopWebUi(ui: Partial<WebUi>): Promise<void> {
  await ui.browser?.close().catch(() => undefined);
  if (ui.profileDir) rmSync(ui.profileDir, { recursive: true, force: true });
  if (ui.worker) {
    ui.worker.shutdown();
    await ui.running;
  }
  await ui.client?.connection.close();
  await ui.connection?.close();
  await ui.server?.stop();
}

/**
 * The Web UI for the describe block that calls it (set up once for all of them), and a screenshot of
 * the page when one of its tests fails.
 */
export function useWebUi(): () => WebUi {
  const ui = sharedWebUi();
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && current)
      await shot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });
  return ui;
}
