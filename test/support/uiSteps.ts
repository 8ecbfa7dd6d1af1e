/**
 * The steps an operator takes in the Temporal Web UI (test/integration/ui-*.test.ts), on the Web UI
 * that test/support/ui.ts sets up: the "Start Workflow" form filled and submitted, the run's status
 * on its page, and what the form sent as the run's started event.
 *
 * With UPDATE_DOCS_SCREENSHOT=1 the start test also writes docs/ui-start-workflow.png (the filled form,
 * for the README); otherwise that screenshot goes with the step screenshots, so a test run leaves the
 * checkout clean.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { waitFor } from '../../lab/processes';
import { ARTIFACTS, NAMESPACE, webUi } from './ui';

/** The README's picture of the filled form. */
export const DOCS_SCREENSHOT =
  process.env.UPDATE_DOCS_SCREENSHOT === '1'
    ? resolve(__dirname, '..', '..', '..', 'docs', 'ui-start-workflow.png')
    : join(ARTIFACTS, 'ui-start-workflow.png');

export interface StartForm {
  workflowId: string;
  taskQueue: string;
  workflowType: string;
  input: unknown;
  /** More options > Custom Search Attributes, in order. */
  searchAttributes?: Array<[name: string, value: string]>;
}

/** The Input > Data field: a CodeMirror editor (the form's other editors are markdown). */
export const DATA_EDITOR = '.cm-content[data-language="json"]';

/** Workflows (side menu) > "Start Workflow" > the form's fields; stops short of submitting. */
export async function fillStartForm(form: StartForm): Promise<void> {
  const { page, server } = webUi();
  await page.goto(server.uiUrl);
  await page.waitForURL(`**/namespaces/${NAMESPACE}/workflows**`);
  await page
    .getByRole('link', { name: 'Workflows', exact: true })
    .first()
    .click();
  await page.locator('a', { hasText: 'Start Workflow' }).click();
  await page.waitForURL('**/workflows/start-workflow**');
  await page
    .getByRole('heading', { name: 'Start Workflow', exact: true })
    .waitFor();

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
export async function readmeScreenshot(): Promise<void> {
  const { page } = webUi();
  await page.setViewportSize({ width: 1280, height: 2240 });
  // (a string: this project compiles without the DOM types)
  await page.evaluate(
    `document.activeElement?.blur(); for (const el of [document.scrollingElement, ...document.querySelectorAll('*')]) if (el && el.scrollTop) el.scrollTop = 0;`,
  );
  await page.mouse.move(1200, 2000);
  await page.waitForTimeout(300);
  mkdirSync(resolve(DOCS_SCREENSHOT, '..'), { recursive: true });
  const button = await page.getByTestId('start-workflow-button').boundingBox();
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

export async function submit(): Promise<void> {
  const { page } = webUi();
  const button = page.getByTestId('start-workflow-button');
  assert.ok(
    await button.isEnabled(),
    '"Start Workflow" is enabled once the form is filled',
  );
  await button.click();
  // UI 2.54: the toast's link, and the same words again in its screen-reader live region.
  await page
    .getByText('Workflow started successfully')
    .first()
    .waitFor({ timeout: 30_000 });
}

/**
 * The run's page in the UI (reloaded until it shows the run), with `status` in the badge by the run's
 * heading: the smallest block holding both the heading and the badge.
 */
export async function seeStatusInUi(
  workflowId: string,
  status: 'Completed' | 'Failed',
): Promise<void> {
  const { page, server } = webUi();
  await page.goto(
    `${server.uiUrl}/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`,
  );
  // UI 2.54: the status badge is inside the heading (its name is then "<status> <workflow ID>"), in
  // capitals on screen.
  const heading = page.getByRole('heading', { name: workflowId });
  const header = page
    .locator('div')
    .filter({ has: heading })
    .filter({ has: page.getByText(new RegExp(`^${status}$`, 'i')) })
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
export async function startedWith(
  workflowId: string,
): Promise<{ type: string; taskQueue: string; args: unknown[] }> {
  const { client } = webUi();
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
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
export async function closedStatus(
  workflowId: string,
  timeoutMs: number,
): Promise<string> {
  const { client } = webUi();
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
