/**
 * The Temporal Web UI as an operator uses it (test/support/ui.ts, uiSteps.ts): the "Start Workflow"
 * form with an invalid request (newMembers: []) -> the run fails at once with the validation message
 * naming the field (client and UI), and lab 61's membership is unchanged.
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Lab } from '../../lab';
import { buildAuditReport } from '../../src/audit';
import { WORKFLOW_TYPE } from '../../src/config';
import {
  ORIGINAL,
  shot,
  TASK_QUEUE,
  useWebUi,
  type WebUi,
} from '../support/ui';
import {
  closedStatus,
  fillStartForm,
  seeStatusInUi,
  submit,
} from '../support/uiSteps';

describe('Temporal Web UI: Start Workflow form (real Chromium)', () => {
  const ui = useWebUi();
  let client: WebUi['client'];
  let page: WebUi['page'];
  const refuse = new Lab({ block: 61 });
  before(async function () {
    this.timeout(120_000);
    ({ client, page } = ui());
    await refuse.start();
  });
  after(async function () {
    this.timeout(60_000);
    await refuse.stop();
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
    const report = await buildAuditReport(client, workflowId);
    assert.deepEqual(report.activities, [], 'no activity was scheduled');
    assert.deepEqual(
      await refuse.checkInvariants({ members: ORIGINAL, keys }),
      [],
    );
    console.log(
      `      invalid request: run failed ${runMs} ms after its start (${((Date.now() - t0) / 1000).toFixed(1)}s for the whole case)`,
    );
  });
});
