/** renderAuditMarkdown alone: pure formatting of a report. */
import assert from 'node:assert/strict';
import { type AuditReport, renderAuditMarkdown } from '../../../src/audit';

const base = (): AuditReport => ({
  format: 'etcd-scaleout-audit/1',
  generatedAt: '2026-01-01T00:00:10.000Z',
  workflowId: 'scaleout-prod-CHG-1',
  runId: '00000000-0000-0000-0000-000000000001',
  workflowType: 'scaleOutEtcd',
  status: 'FAILED',
  startedAt: '2026-01-01T00:00:00.000Z',
  closedAt: '2026-01-01T00:00:09.000Z',
  durationMs: 9000,
  historyLength: 42,
  cluster: 'prod',
  ticket: { id: 'CHG-1', requestedBy: 'ops | team' },
  searchAttributes: {},
  input: { ssh: { privateKeyFile: '/etc/keys/id' } },
  phases: [
    {
      phase: 'validate',
      at: '2026-01-01T00:00:00.000Z',
      until: '2026-01-01T00:00:01.000Z',
      durationMs: 1000,
    },
    { phase: 'failed', at: '2026-01-01T00:00:08.000Z', durationMs: 1000 },
  ],
  activities: [
    {
      activityId: '1',
      name: 'startService',
      summary: 'canary etcd4',
      scheduledAt: '2026-01-01T00:00:02.000Z',
      closedAt: '2026-01-01T00:00:03.000Z',
      attempts: 2,
      outcome: 'failed',
      failure: {
        message: 'line one\n```\nline | two',
        type: 'ServiceStartFailed',
      },
    },
  ],
  approvals: [
    {
      via: 'update',
      decision: 'approve',
      by: 'a|b',
      reason: 'multi\nline',
      at: '2026-01-01T00:00:04.000Z',
      status: 'accepted',
    },
  ],
  cancelRequests: [],
  compensations: [],
  outcome: {
    status: 'FAILED',
    at: '2026-01-01T00:00:09.000Z',
    failure: {
      message: 'boom',
      type: 'ScaleOutFailed',
      causes: ['ServiceStartFailed: line one'],
    },
  },
});

describe('renderAuditMarkdown', () => {
  it('escapes pipes and newlines inside table cells', () => {
    const md = renderAuditMarkdown(base());
    assert.match(md, /\| requested by \| ops \\\| team \|/);
    assert.match(
      md,
      /\| approve \| a\\\|b \| multi line \| update \| accepted \|/,
    );
  });

  it('fences failure text that itself contains a code fence without breaking out of it', () => {
    const md = renderAuditMarkdown(base());
    assert.match(
      md,
      /~~~~\nServiceStartFailed: line one\n```\nline \| two\n~~~~/,
    );
  });

  it('says what is missing instead of leaving sections empty', () => {
    const md = renderAuditMarkdown(base());
    assert.match(md, /No backup was taken\./);
    assert.match(md, /\(not recorded: the run did not read the member list\)/);
    assert.match(
      md,
      /\(not recorded: the run did not reach its result phase\)/,
    );
    assert.match(md, /No rollback activity ran\./);
    assert.match(md, /\*\*FAILED\*\* \(ScaleOutFailed\)/);
  });

  it('shows the cluster profile validate read, or that the cluster had none', () => {
    const file = '/etc/etcd-scaleout/profiles/prod.json';
    const withProfile = renderAuditMarkdown({
      ...base(),
      profile: {
        cluster: 'prod',
        file,
        inlineSettings: 'deny',
        profile: {
          cluster: { name: 'prod', endpoints: ['https://10.0.0.11:2379'] },
          ssh: {
            user: 'root',
            privateKeyFile: '/etc/etcd-scaleout/id_ed25519',
            knownHostsFile: '/etc/etcd-scaleout/known_hosts',
          },
        },
      },
    });
    assert.match(
      withProfile,
      /Resolved over the cluster's profile `\/etc\/etcd-scaleout\/profiles\/prod\.json` \(inline settings: deny\):/,
    );
    assert.match(withProfile, /"https:\/\/10\.0\.0\.11:2379"/);
    const without = renderAuditMarkdown({
      ...base(),
      profile: { cluster: 'prod', file, inlineSettings: 'allow' },
    });
    assert.match(
      without,
      /No cluster profile on the worker \(`\/etc\/etcd-scaleout\/profiles\/prod\.json`\); inline settings: allow\./,
    );
  });
});
