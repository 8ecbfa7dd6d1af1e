/**
 * The Temporal Web UI as an operator uses it: real Chromium (Debian's, driven by playwright-core)
 * against a real Temporal dev server with its real Web UI, an in-process worker with the real
 * activities, and real etcd + SSH lab hosts.
 *
 *   1. Workflows > "Start Workflow": Workflow ID, Task Queue, Workflow Type, Input > Data = a lab
 *      request (JSON), More options > Custom Search Attributes (EtcdCluster, TicketId, RequestedBy)
 *      -> the run completes (seen through the client and as "Completed" in the UI) and the cluster
 *      has grown from 3 to 5 voters with its data intact.
 *   2. The same form with an invalid request (newMembers: []) -> the run fails at once with the
 *      validation message naming the field (client and UI), and the membership is unchanged.
 *
 * With UPDATE_DOCS_SCREENSHOT=1 it also writes docs/ui-start-workflow.png (the filled form, for the
 * README); otherwise that screenshot goes with the step screenshots, so a test run leaves the checkout clean.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import {
  ApplicationFailure,
  defaultPayloadConverter,
} from '@temporalio/common';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { Lab, TemporalDevServer } from '../../lab';
import { portOpen, waitFor } from '../../lab/processes';
import { connectClient } from '../../src/client';
import { WORKFLOW_TYPE } from '../../src/config';
import { createWorker } from '../../src/worker';
import type { ScaleOutResult } from '../../src/workflows';
import {
  EtcdCluster,
  RequestedBy,
  ScaleOutPhase,
  TicketId,
} from '../../src/workflows/searchAttributes';
import { TEST_PROFILES } from '../support/stack';

const TEMPORAL_PORT = Number(process.env.UI_TEST_TEMPORAL_PORT || 7544);
const UI_PORT = Number(process.env.UI_TEST_UI_PORT || 8544);
const TASK_QUEUE = 'etcd-scaleout-ui-test';
const NAMESPACE = 'default';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Step screenshots, for looking at a failure afterwards. */
const ARTIFACTS = join(tmpdir(), 'etcd-scaleout-ui-test');
/** The README's picture of the filled form. */
const DOCS_SCREENSHOT =
  process.env.UPDATE_DOCS_SCREENSHOT === '1'
    ? resolve(__dirname, '..', '..', '..', 'docs', 'ui-start-workflow.png')
    : join(ARTIFACTS, 'ui-start-workflow.png');
const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];

/** Flags for a machine without internet: no background fetches, no QUIC, no sandbox (root). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface StartForm {
  workflowId: string;
  taskQueue: string;
  workflowType: string;
  input: unknown;
  /** More options > Custom Search Attributes, in order. */
  searchAttributes?: Array<[name: string, value: string]>;
}

/** The Input > Data field: a CodeMirror editor (the form's other editors are markdown). */
const DATA_EDITOR = '.cm-content[data-language="json"]';

describe('Temporal Web UI: Start Workflow form (real Chromium)', () => {
  let server: TemporalDevServer;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void> | undefined;
  let client: Client;
  let browser: BrowserContext;
  let profileDir: string;
  let page: Page;
  const grow = new Lab({ block: 60 });
  const refuse = new Lab({ block: 61 });

  async function shot(name: string): Promise<void> {
    await page
      .screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
      .catch(() => undefined);
  }

  /** Workflows (side menu) > "Start Workflow" > the form's fields; stops short of submitting. */
  async function fillStartForm(form: StartForm): Promise<void> {
    await page.goto(server.uiUrl);
    await page.waitForURL(`**/namespaces/${NAMESPACE}/workflows**`);
    await page
      .getByRole('link', { name: 'Workflows', exact: true })
      .first()
      .click();
    await page.locator('a', { hasText: 'Start Workflow' }).click();
    await page.waitForURL('**/workflows/start-workflow**');
    await page.getByRole('heading', { name: 'Start a Workflow' }).waitFor();

    await page.getByLabel('Workflow ID').fill(form.workflowId);
    await page.getByLabel('Task Queue').fill(form.taskQueue);
    await page.getByLabel('Workflow Type').fill(form.workflowType);
    // Input > Data: type the JSON into the editor as a paste would. Leaving the editor re-renders the
    // form, so blur it before the next click (a click that causes the blur is lost).
    const data = page.locator(DATA_EDITOR);
    await data.click();
    await page.keyboard.insertText(JSON.stringify(form.input, null, 2));
    await data.blur();
    assert.ok(
      await page.getByLabel('json/plain').isChecked(),
      'Encoding json/plain is the default',
    );
    // The UI has looked the task queue up: our worker polls it.
    await page.getByText('Task Queue is Active').waitFor({ timeout: 30_000 });

    if (form.searchAttributes?.length) {
      await page.getByRole('button', { name: 'More options' }).click();
      for (const [i, [name, value]] of form.searchAttributes.entries()) {
        await page.getByTestId('add-search-attribute-button').click();
        await page.getByTestId('search-attribute-select-button').nth(i).click();
        await page.getByRole('option', { name }).click();
        await page
          .getByTestId('custom-search-attribute-value')
          .nth(i)
          .fill(value);
      }
    }

    assert.equal(
      await page.getByLabel('Workflow ID').inputValue(),
      form.workflowId,
    );
    assert.equal(
      await page.getByLabel('Task Queue').inputValue(),
      form.taskQueue,
    );
    assert.equal(
      await page.getByLabel('Workflow Type').inputValue(),
      form.workflowType,
    );
    assert.deepEqual(
      JSON.parse(await data.innerText()),
      form.input,
      'the Data editor holds exactly the request',
    );
  }

  /**
   * The README's picture: the whole filled form, before submitting, scrolled to the top (the Data
   * editor too), no focus ring, no hover, no toast.
   */
  async function readmeScreenshot(): Promise<void> {
    await page.setViewportSize({ width: 1280, height: 2240 });
    // (a string: this project compiles without the DOM types)
    await page.evaluate(
      `document.activeElement?.blur(); for (const el of [document.scrollingElement, ...document.querySelectorAll('*')]) if (el && el.scrollTop) el.scrollTop = 0;`,
    );
    await page.mouse.move(1200, 2000);
    await page.waitForTimeout(300);
    mkdirSync(resolve(DOCS_SCREENSHOT, '..'), { recursive: true });
    const button = await page
      .getByTestId('start-workflow-button')
      .boundingBox();
    assert.ok(button, 'the "Start Workflow" button is on screen');
    await page.screenshot({
      path: DOCS_SCREENSHOT,
      clip: {
        x: 0,
        y: 0,
        width: 1280,
        height: Math.min(2240, Math.ceil(button.y + button.height + 40)),
      },
    });
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  async function submit(): Promise<void> {
    const button = page.getByTestId('start-workflow-button');
    assert.ok(
      await button.isEnabled(),
      '"Start Workflow" is enabled once the form is filled',
    );
    await button.click();
    await page
      .getByText('Workflow started successfully')
      .waitFor({ timeout: 30_000 });
  }

  /**
   * The run's page in the UI (reloaded until it shows the run), with `status` in the badge next to
   * the run's heading: the smallest block holding both the heading and the badge.
   */
  async function seeStatusInUi(
    workflowId: string,
    status: 'Completed' | 'Failed',
  ): Promise<void> {
    await page.goto(
      `${server.uiUrl}/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`,
    );
    const heading = page.getByRole('heading', {
      name: workflowId,
      exact: true,
    });
    const header = page
      .locator('div')
      .filter({ has: heading })
      .filter({ has: page.getByText(status, { exact: true }) })
      .last();
    await waitFor(
      `"${status}" next to the heading ${workflowId}`,
      async () => {
        if (await header.isVisible()) return true;
        await page.reload();
        await heading.waitFor({ timeout: 10_000 });
        return false;
      },
      60_000,
      1_000,
    );
  }

  /** The started event: what the form actually sent to Temporal. */
  async function startedWith(
    workflowId: string,
  ): Promise<{ type: string; taskQueue: string; args: unknown[] }> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const started =
      history.events?.[0]?.workflowExecutionStartedEventAttributes;
    assert.ok(started, 'the first event is WorkflowExecutionStarted');
    return {
      type: started.workflowType?.name ?? '',
      taskQueue: started.taskQueue?.name ?? '',
      args: (started.input?.payloads ?? []).map((p) =>
        defaultPayloadConverter.fromPayload(p),
      ),
    };
  }

  /** Polls the run's status through the client until it is closed. */
  async function closedStatus(
    workflowId: string,
    timeoutMs: number,
  ): Promise<string> {
    const handle = client.workflow.getHandle(workflowId);
    return waitFor(
      `${workflowId} to close`,
      async () => {
        const d = await handle.describe();
        return d.status.name === 'RUNNING' ? false : d.status.name;
      },
      timeoutMs,
      500,
    );
  }

  before(async function () {
    this.timeout(300_000);
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
    server = new TemporalDevServer({
      port: TEMPORAL_PORT,
      uiPort: UI_PORT,
      logFile: join(tmpdir(), 'etcd-scaleout-ui-test-temporal.log'),
    });
    await Promise.all([server.start(), grow.start(), refuse.start()]);
    await waitFor(
      `Temporal Web UI on port ${UI_PORT}`,
      () => portOpen('127.0.0.1', UI_PORT),
      60_000,
    );
    connection = await NativeConnection.connect({ address: server.address });
    worker = await createWorker({
      connection,
      namespace: NAMESPACE,
      taskQueue: TASK_QUEUE,
      deps: { profiles: TEST_PROFILES },
    });
    running = worker.run();
    client = await connectClient({
      address: server.address,
      namespace: NAMESPACE,
    });

    profileDir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    browser.setDefaultTimeout(30_000);
    page = browser.pages()[0] ?? (await browser.newPage());
    console.log(
      `      set-up (Temporal + UI, 2 labs, worker, Chromium) took ${((Date.now() - t0) / 1000).toFixed(1)}s; screenshots in ${ARTIFACTS}`,
    );
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page)
      await shot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });

  after(async function () {
    this.timeout(120_000);
    await browser?.close().catch(() => undefined);
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (worker) {
      worker.shutdown();
      await running;
    }
    await client?.connection.close();
    await connection?.close();
    await Promise.all([grow.stop(), refuse.stop()]);
    await server?.stop();
  });

  it('starts scaleOutEtcd from the form with a lab request; the run completes and the cluster grows 3 -> 5', async () => {
    const t0 = Date.now();
    const keys = await grow.seedKeys(50);
    const request = grow.request({
      ticket: { id: 'UI-60', requestedBy: 'ui-test' },
    });
    const workflowId = `ui-scaleout-lab-60-${Date.now().toString(36)}`;

    // The search attributes the API and the CLI set (the API finds a cluster's running scale-out by
    // EtcdCluster); the workflow itself keeps ScaleOutPhase up to date.
    await fillStartForm({
      workflowId,
      taskQueue: TASK_QUEUE,
      workflowType: WORKFLOW_TYPE,
      input: request,
      searchAttributes: [
        ['EtcdCluster', request.cluster.name],
        ['TicketId', request.ticket!.id],
        ['RequestedBy', request.ticket!.requestedBy!],
      ],
    });
    await shot('1-form-filled');
    await readmeScreenshot();
    await submit();
    await shot('1-started');

    // What the UI sent: the type, the queue and exactly one argument, the request.
    const sent = await startedWith(workflowId);
    assert.equal(sent.type, WORKFLOW_TYPE);
    assert.equal(sent.taskQueue, TASK_QUEUE);
    assert.deepEqual(sent.args, [request]);

    const status = await closedStatus(workflowId, 300_000);
    assert.equal(status, 'COMPLETED');
    const described = await client.workflow.getHandle(workflowId).describe();
    assert.equal(described.typedSearchAttributes.get(EtcdCluster), 'lab-60');
    assert.equal(described.typedSearchAttributes.get(TicketId), 'UI-60');
    assert.equal(described.typedSearchAttributes.get(RequestedBy), 'ui-test');
    assert.equal(described.typedSearchAttributes.get(ScaleOutPhase), 'done');
    const result: ScaleOutResult = await client.workflow
      .getHandle(workflowId)
      .result();
    assert.equal(result.from, 3);
    assert.equal(result.to, 5);
    assert.deepEqual(result.membersAfter.map((m) => m.name).sort(), [
      ...ORIGINAL,
      'etcd4',
      'etcd5',
    ]);

    await seeStatusInUi(workflowId, 'Completed');
    await shot('1-completed');
    // And in the namespace's list of runs.
    await page.goto(`${server.uiUrl}/namespaces/${NAMESPACE}/workflows`);
    const row = page.locator('tr', { hasText: workflowId });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /Completed/);
    assert.match(await row.first().innerText(), new RegExp(WORKFLOW_TYPE));
    await shot('1-list');

    assert.deepEqual(
      await grow.checkInvariants({
        members: [...ORIGINAL, 'etcd4', 'etcd5'],
        keys,
      }),
      [],
    );
    console.log(
      `      form -> completed 3 -> 5 in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
    );
  });

  it('refuses an invalid request started from the form (newMembers: []), naming the field, with no change', async () => {
    const t0 = Date.now();
    const keys = await refuse.seedKeys(20);
    const request = {
      ...refuse.request({ ticket: { id: 'UI-61', requestedBy: 'ui-test' } }),
      newMembers: [],
    };
    const workflowId = `ui-invalid-lab-61-${Date.now().toString(36)}`;

    await fillStartForm({
      workflowId,
      taskQueue: TASK_QUEUE,
      workflowType: WORKFLOW_TYPE,
      input: request,
    });
    await submit();
    await shot('2-started');

    const status = await closedStatus(workflowId, 60_000);
    assert.equal(status, 'FAILED');
    const d = await client.workflow.getHandle(workflowId).describe();
    const runMs = d.closeTime!.getTime() - d.startTime.getTime();
    assert.ok(runMs < 10_000, `fails fast (${runMs} ms from start to failure)`);
    let failure: ApplicationFailure | undefined;
    try {
      await client.workflow.getHandle(workflowId).result();
    } catch (err) {
      if (
        err instanceof WorkflowFailedError &&
        err.cause instanceof ApplicationFailure
      )
        failure = err.cause;
      else throw err;
    }
    assert.ok(failure, 'the run failed with an application failure');
    assert.equal(failure.type, 'InvalidRequest');
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      /newMembers: must list at least one new member/,
    );

    await seeStatusInUi(workflowId, 'Failed');
    await page
      .getByText('newMembers: must list at least one new member')
      .first()
      .waitFor();
    await shot('2-failed');

    // Failed in validate: no activity ran, so nothing touched the cluster.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    assert.ok(
      !history.events?.some((e) => e.activityTaskScheduledEventAttributes),
      'no activity was scheduled',
    );
    assert.deepEqual(
      await refuse.checkInvariants({ members: ORIGINAL, keys }),
      [],
    );
    console.log(
      `      invalid request: run failed ${runMs} ms after its start (${((Date.now() - t0) / 1000).toFixed(1)}s for the whole case)`,
    );
  });
});
