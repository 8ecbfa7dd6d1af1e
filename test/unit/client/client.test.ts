/** The client side's pure parts: list filters and query, failure flattening, timestamps, run text. */
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  RetryState,
  TerminatedFailure,
} from '@temporalio/common';
import {
  flattenFailure,
  parseListFilter,
  rootCause,
  runsQuery,
  timestampIso,
  timestampMs,
} from '../../../src/client';
import {
  runDetailsMarkdown,
  runSummaryLine,
} from '../../../src/client/runText';
import {
  type ScaleOutRequest,
  validateRequest,
} from '../../../src/domain/request/request';

describe('list filter and visibility query', () => {
  it('accepts names, tickets, a status and a limit given as strings, with a default limit', () => {
    const r = parseListFilter({
      cluster: 'prod-east',
      ticket: 'OPS-1',
      status: 'Running',
      limit: '5',
      json: undefined,
    });
    assert.deepEqual(r, {
      ok: true,
      filter: {
        cluster: 'prod-east',
        ticket: 'OPS-1',
        status: 'Running',
        limit: 5,
      },
    });
    assert.deepEqual(parseListFilter({}), { ok: true, filter: { limit: 100 } });
  });

  it('names every bad field: quotes, unknown statuses, limits, unknown keys', () => {
    const r = parseListFilter({
      cluster: 'x" OR 1=1',
      ticket: "a'b",
      status: 'Sleeping',
      limit: '0',
      type: 'someOtherWorkflow',
      sort: 'x',
    });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.errors.map((e) => e.field).sort(), [
      '(query)',
      'cluster',
      'limit',
      'status',
      'ticket',
      'type',
    ]);
    assert.match(
      r.errors.find((e) => e.field === '(query)')?.message ?? '',
      /unknown field\(s\): sort/,
    );
    assert.equal(
      (parseListFilter({ limit: '1001' }) as { ok: boolean }).ok,
      false,
    );
    assert.equal(
      (parseListFilter({ cluster: 'Prod' }) as { ok: boolean }).ok,
      false,
      'cluster names are lowercase',
    );
  });

  it('builds the query from the filter', () => {
    assert.equal(
      runsQuery({}),
      '(WorkflowType = "scaleOutEtcd" OR WorkflowType = "scaleInEtcd" OR WorkflowType = "replaceEtcdMember")',
    );
    assert.equal(
      runsQuery({
        cluster: 'prod',
        ticket: 'OPS-1',
        status: 'Running',
        type: 'scaleInEtcd',
      }),
      'WorkflowType = "scaleInEtcd" AND EtcdCluster = "prod" AND TicketId = "OPS-1" AND ExecutionStatus = "Running"',
    );
  });
});

describe('flattenFailure', () => {
  it('unwraps a run failure to its application failure with type, details and causes', () => {
    const cause = new ActivityFailure(
      'activity failed',
      'startService',
      '7',
      RetryState.NON_RETRYABLE_FAILURE,
      'w',
      ApplicationFailure.create({
        type: 'ServiceStartFailed',
        message: 'bind: address in use',
      }),
    );
    const app = ApplicationFailure.create({
      type: 'ScaleOutFailed',
      message: 'failed in batch',
      nonRetryable: true,
      details: [{ undone: [] }],
      cause,
    });
    const f = flattenFailure(
      new WorkflowFailedError(
        'Workflow execution failed',
        app,
        RetryState.NON_RETRYABLE_FAILURE,
      ),
    );
    assert.deepEqual(f, {
      message: 'failed in batch',
      type: 'ScaleOutFailed',
      nonRetryable: true,
      details: [{ undone: [] }],
      causes: [
        'ActivityFailure: startService (7) retry state NON_RETRYABLE_FAILURE',
        'ServiceStartFailed: bind: address in use',
      ],
    });
    assert.equal(rootCause(f), 'ServiceStartFailed: bind: address in use');
  });

  it('names Temporal failure classes, and gives a plain error no type', () => {
    assert.deepEqual(flattenFailure(new CancelledFailure('')), {
      message: 'CancelledFailure',
      type: 'CancelledFailure',
    });
    assert.deepEqual(flattenFailure(new TerminatedFailure('by ops')), {
      message: 'by ops',
      type: 'TerminatedFailure',
    });
    assert.deepEqual(flattenFailure(new Error('plain')), { message: 'plain' });
    assert.deepEqual(flattenFailure('text'), { message: 'text' });
    assert.equal(rootCause({ message: 'm' }), 'm');
  });
});

describe('protobuf timestamps', () => {
  it('reads seconds as a number, a string or a Long-like, with nanos', () => {
    assert.equal(
      timestampMs({ seconds: 1_700_000_000, nanos: 123_456_789 }),
      1_700_000_000_123,
    );
    assert.equal(timestampMs({ seconds: '1700000000' }), 1_700_000_000_000);
    assert.equal(
      timestampMs({ seconds: { toString: () => '1700000001' } }),
      1_700_000_001_000,
    );
    assert.equal(
      timestampIso({ seconds: 0, nanos: 5_000_000 }),
      '1970-01-01T00:00:00.005Z',
    );
    assert.equal(timestampIso(undefined), '1970-01-01T00:00:00.000Z');
  });
});

describe('run summary and details for the Temporal UI', () => {
  const request = (extra: Record<string, unknown> = {}): ScaleOutRequest => {
    const v = validateRequest({
      cluster: {
        name: 'lab-10',
        endpoints: [
          'http://127.0.10.11:2379',
          'http://127.0.10.12:2379',
          'http://127.0.10.13:2379',
        ],
        newMemberNetworks: ['127.0.10.0/24'],
      },
      newMembers: [
        {
          name: 'etcd4',
          host: '127.0.10.14',
          peerURL: 'http://127.0.10.14:2380',
          clientURL: 'http://127.0.10.14:2379',
        },
        {
          name: 'etcd5',
          host: '127.0.10.15',
          peerURL: 'http://127.0.10.15:2380',
          clientURL: 'http://127.0.10.15:2379',
        },
      ],
      ssh: {
        user: 'root',
        privateKeyFile: '/etc/etcd-scaleout/id_ed25519',
        knownHostsFile: '/etc/etcd-scaleout/known_hosts',
      },
      ...extra,
    });
    assert.ok(v.ok);
    return v.request;
  };

  it('says the new members and the ticket in one line, and no size the request cannot know', () => {
    assert.equal(
      runSummaryLine(
        request({ ticket: { id: 'OPS-1', requestedBy: 'alice' } }),
      ),
      'lab-10: add etcd4, etcd5, ticket OPS-1',
    );
    assert.equal(runSummaryLine(request()), 'lab-10: add etcd4, etcd5');
  });

  it('lists cluster, endpoints, members, strategy, ticket and requester, and no key paths', () => {
    const md = runDetailsMarkdown(
      request({
        ticket: { id: 'OPS-1', requestedBy: 'alice' },
        strategy: { approval: 'after-canary', approvers: ['bob'] },
      }),
    );
    for (const part of [
      '**Cluster** lab-10',
      '**Endpoints** http://127.0.10.11:2379, http://127.0.10.12:2379',
      '- etcd5 on 127.0.10.15: peer http://127.0.10.15:2380, client http://127.0.10.15:2379',
      'approval after-canary (approvers: bob)',
      '**Ticket** OPS-1',
      '**Requested by** alice',
    ]) {
      assert.ok(md.includes(part), `${part} in:\n${md}`);
    }
    assert.ok(!md.includes('id_ed25519') && !md.includes('known_hosts'));
    assert.match(runDetailsMarkdown(request()), /\*\*Ticket\*\* \(none\)/);
  });
});
