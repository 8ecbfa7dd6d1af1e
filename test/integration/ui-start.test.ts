/**
 * The Temporal Web UI as an operator uses it (test/support/ui.ts, uiSteps.ts): Workflows > "Start
 * Workflow" with Workflow ID, Task Queue, Workflow Type, Input > Data = a lab request (JSON) and More
 * options > Custom Search Attributes (EtcdCluster, TicketId, RequestedBy) -> the run completes (seen
 * through the client and as "Completed" in the UI) and lab 60's cluster has grown from 3 to 5 voters
 * with its data intact.
 */
import assert from 'node:assert/strict';
import { Lab } from '../../lab';
import { WORKFLOW_TYPE } from '../../src/config';
import type { ScaleOutResult } from '../../src/workflows';
import {
  EtcdCluster,
  RequestedBy,
  ScaleOutPhase,
  TicketId,
} from '../../src/workflows/run/searchAttributes';
import {
  NAMESPACE,
  ORIGINAL,
  shot,
  TASK_QUEUE,
  useWebUi,
  type WebUi,
} from '../support/ui';
import {
  closedStatus,
  fillStartForm,
  readmeScreenshot,
  seeStatusInUi,
  startedWith,
  submit,
} from '../support/uiSteps';

describe('Temporal Web UI: Start Workflow form (real Chromium)', () => {
  const ui = useWebUi();
  let server: WebUi['server'];
  let client: WebUi['client'];
  let page: WebUi['page'];
  const grow = new Lab({ block: 60 });
  before(async function () {
    this.timeout(120_000);
    ({ server, client, page } = ui());
    await grow.start();
  });
  after(async function () {
    this.timeout(60_000);
    await grow.stop();
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
    assert.match(await row.first().innerText(), /Completed/i); // in capitals on screen (UI 2.54)
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
});
