/** The audit report from a history, event by event: a hand-built history of a failed, rolled-back run. */
import assert from 'node:assert/strict';
import {
  ApplicationFailure,
  defaultFailureConverter,
  defaultPayloadConverter,
  type LoadedDataConverter,
} from '@temporalio/common';
import {
  auditReportFromEvents,
  type HistoryEvent,
  renderAuditMarkdown,
} from '../../../src/audit';
import {
  approveSignal,
  decideUpdate,
  rejectSignal,
} from '../../../src/workflows/run/messages';

const dc: LoadedDataConverter = {
  payloadConverter: defaultPayloadConverter,
  failureConverter: defaultFailureConverter,
  payloadCodecs: [],
};
const payload = (v: unknown) => defaultPayloadConverter.toPayload(v);
const payloads = (...vs: unknown[]) => ({ payloads: vs.map(payload) });
const failure = (f: ApplicationFailure) =>
  defaultFailureConverter.errorToFailure(f, defaultPayloadConverter);
const T0 = 1_800_000_000;

const request = {
  cluster: { name: 'prod' },
  ticket: { id: 'CHG-9', requestedBy: 'erin' },
  strategy: { approvers: ['alice'] },
};
const members = [
  {
    id: '1',
    name: 'etcd1',
    peerURLs: ['http://10.0.0.11:2380'],
    clientURLs: ['http://10.0.0.11:2379'],
    isLearner: false,
    healthy: true,
  },
];
const rolledBack = ApplicationFailure.create({
  type: 'ScaleOutFailed',
  message: 'scale-out of prod failed in canary (etcd4: startService)',
  nonRetryable: true,
  details: [
    {
      failedStep: 'canary (etcd4: startService)',
      undone: ['removed member etcd4'],
      notUndone: [],
    },
  ],
});

/** Events numbered from 1, one second apart. */
function history(
  ...attrs: Array<
    Partial<Record<keyof HistoryEvent, unknown>> & { userMetadata?: unknown }
  >
): HistoryEvent[] {
  return attrs.map((a, i) => ({
    eventId: i + 1,
    eventTime: { seconds: T0 + i, nanos: 0 },
    ...a,
  })) as unknown as HistoryEvent[];
}
const phase = (p: string) => ({
  upsertWorkflowSearchAttributesEventAttributes: {
    searchAttributes: { indexedFields: { ScaleOutPhase: payload(p) } },
  },
});
const scheduled = (name: string, summary: string) => ({
  activityTaskScheduledEventAttributes: {
    activityId: name,
    activityType: { name },
  },
  userMetadata: { summary: payload(summary) },
});

const events = history(
  /* 1 */ {
    workflowExecutionStartedEventAttributes: {
      workflowType: { name: 'scaleOutEtcd' },
      taskQueue: { name: 'q' },
      input: payloads(request),
      identity: 'cli@host',
      originalExecutionRunId: 'run-1',
      searchAttributes: {
        indexedFields: {
          ScaleOutPhase: payload('validate'),
          EtcdCluster: payload('prod'),
        },
      },
    },
  },
  /* 2 */ phase('preflight'),
  /* 3 */ scheduled('inspectCluster', 'preflight'),
  /* 4 */ {
    activityTaskStartedEventAttributes: { scheduledEventId: 3, attempt: 1 },
  },
  /* 5 */ {
    activityTaskCompletedEventAttributes: {
      scheduledEventId: 3,
      result: payloads({ members }),
    },
  },
  /* 6 */ phase('canary'),
  /* 7 */ scheduled('startService', 'canary etcd4'),
  /* 8 */ {
    activityTaskStartedEventAttributes: {
      scheduledEventId: 7,
      attempt: 2,
      lastFailure: failure(ApplicationFailure.create({ message: 'port busy' })),
    },
  },
  /* 9 */ {
    activityTaskFailedEventAttributes: {
      scheduledEventId: 7,
      failure: failure(
        ApplicationFailure.create({
          type: 'ServiceStartFailed',
          message: 'bind: address already in use',
        }),
      ),
    },
  },
  /* 10 */ {
    workflowExecutionSignaledEventAttributes: {
      signalName: rejectSignal.name,
      input: payloads({ approve: false, by: 'mallory' }),
      identity: 'ui',
    },
  },
  /* 11 */ {
    workflowExecutionSignaledEventAttributes: {
      signalName: approveSignal.name,
      input: payloads({ approve: true, by: 'alice' }),
    },
  },
  /* 12 */ {
    workflowExecutionUpdateAcceptedEventAttributes: {
      acceptedRequest: {
        meta: { updateId: 'u1', identity: 'api' },
        input: {
          name: decideUpdate.name,
          args: payloads({ approve: true, by: 'alice', reason: 'ok' }),
        },
      },
    },
  },
  /* 13 */ phase('rollback'),
  /* 14 */ scheduled('removeMember', 'rollback etcd4'),
  /* 15 */ {
    activityTaskStartedEventAttributes: { scheduledEventId: 14, attempt: 1 },
  },
  /* 16 */ {
    activityTaskCompletedEventAttributes: {
      scheduledEventId: 14,
      result: payloads('removed'),
    },
  },
  /* 17 */ phase('failed'),
  /* 18 */ {
    workflowExecutionFailedEventAttributes: { failure: failure(rolledBack) },
  },
);

describe('audit report from history events', () => {
  it('follows phases, activities, decisions, compensations and the outcome', async () => {
    const r = await auditReportFromEvents(events, dc, 'scaleout-prod-CHG-9');
    assert.equal(r.status, 'FAILED');
    assert.equal(r.runId, 'run-1');
    assert.equal(r.startedAt, new Date(T0 * 1000).toISOString());
    assert.equal(r.durationMs, 17_000);
    assert.deepEqual(r.ticket, { id: 'CHG-9', requestedBy: 'erin' });
    assert.deepEqual(
      r.phases.map((p) => [p.phase, p.durationMs]),
      [
        ['validate', 1000],
        ['preflight', 4000],
        ['canary', 7000],
        ['rollback', 4000],
        ['failed', 1000],
      ],
    );

    assert.deepEqual(
      r.activities.map((a) => [a.name, a.summary, a.outcome, a.attempts]),
      [
        ['inspectCluster', 'preflight', 'completed', 1],
        ['startService', 'canary etcd4', 'failed', 2],
        ['removeMember', 'rollback etcd4', 'completed', 1],
      ],
    );
    assert.ok(
      r.activities.every((a) => !('result' in a)),
      'activity results stay out of the rows',
    );
    const failed = r.activities[1];
    assert.equal(failed.lastRetryFailure, 'ApplicationFailure: port busy');
    assert.deepEqual(
      [failed.failure?.type, failed.failure?.message],
      ['ServiceStartFailed', 'bind: address already in use'],
    );
    assert.deepEqual(
      r.compensations.map((a) => a.name),
      ['removeMember'],
    );
    assert.deepEqual(
      r.membersBefore?.map((m) => m.name),
      ['etcd1'],
    );
    assert.equal(r.membersAfter, undefined);

    assert.deepEqual(
      r.approvals.map((a) => [a.via, a.decision, a.by, a.status, a.phase]),
      [
        ['signal', 'reject', 'mallory', 'ignored', 'canary'],
        ['signal', 'approve', 'alice', 'ignored', 'canary'],
        ['update', 'approve', 'alice', 'accepted', 'canary'],
      ],
    );
    assert.match(
      r.approvals[0].note ?? '',
      /mallory is not an approver of this run \(approvers: alice\)/,
    );
    assert.match(
      r.approvals[1].note ?? '',
      /no decision is awaited: the run was in phase canary/,
    );
    assert.equal(r.approvals[2].updateId, 'u1');

    assert.equal(r.outcome.failure?.type, 'ScaleOutFailed');
    assert.equal(r.outcome.failure?.nonRetryable, true);
    assert.deepEqual(r.rollback, {
      failedStep: 'canary (etcd4: startService)',
      cause: undefined,
      undone: ['removed member etcd4'],
      notUndone: [],
    });

    const md = renderAuditMarkdown(r);
    assert.match(md, /\*\*FAILED\*\* \(ScaleOutFailed\)/);
    assert.match(
      md,
      /\| reject \| mallory \| {2}\| signal \| ignored: by: mallory is not an approver/,
    );
    assert.match(
      md,
      /2\. startService \(canary etcd4\) failed after 2 attempt\(s\):\n\n```\nServiceStartFailed: bind: address already in use\n```/,
    );
  });

  it('reports a run still running in its last phase, with no outcome yet', async () => {
    const r = await auditReportFromEvents(
      events.slice(0, 6),
      dc,
      'scaleout-prod-CHG-9',
      'run-x',
    );
    assert.equal(r.status, 'RUNNING');
    assert.equal(r.runId, 'run-x');
    assert.equal(r.closedAt, undefined);
    assert.deepEqual(
      r.phases.map((p) => p.phase),
      ['validate', 'preflight', 'canary'],
    );
    assert.equal(r.phases[2].durationMs, undefined);
    assert.match(
      renderAuditMarkdown(r),
      /Still running, in phase \*\*canary\*\*/,
    );
  });
});
