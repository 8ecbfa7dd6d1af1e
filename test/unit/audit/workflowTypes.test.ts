/** The audit report reads every membership workflow type: its title, its result, its members by name. */
import assert from 'node:assert/strict';
import { type AuditReport, renderAuditMarkdown } from '../../../src/audit';
import { membersOf } from '../../../src/audit/findings';
import type { RecordedActivity } from '../../../src/audit/recording';

const member = (name: string, id: string) => ({
  id,
  name,
  peerURLs: [`http://${name}:2380`],
  clientURLs: [`http://${name}:2379`],
  isLearner: false,
  healthy: true,
});

const completed = (workflowType: string, result: unknown): AuditReport => ({
  format: 'etcd-scaleout-audit/1',
  generatedAt: '2026-01-01T00:00:10.000Z',
  workflowId: 'scalein-prod_CHG-2',
  runId: 'r',
  workflowType,
  status: 'COMPLETED',
  startedAt: '2026-01-01T00:00:00.000Z',
  historyLength: 10,
  ticket: {},
  searchAttributes: {},
  input: {},
  phases: [],
  activities: [],
  approvals: [],
  cancelRequests: [],
  compensations: [],
  outcome: { status: 'COMPLETED', at: '2026-01-01T00:00:09.000Z', result },
});

describe('audit report: every membership workflow type', () => {
  it("titles the run by its type and shows a scale-in's removals and what is left by hand", () => {
    const md = renderAuditMarkdown(
      completed('scaleInEtcd', {
        from: 5,
        to: 3,
        etcdServers: ['http://etcd1:2379'],
        removed: [
          {
            member: 'etcd4',
            id: 'a1',
            removed: true,
            serviceStopped: true,
            dataDirMovedTo: '/var/lib/etcd.removed',
          },
          { member: 'etcd5', id: 'b2', removed: false, serviceStopped: false },
        ],
        leftByHand: ['on etcd5: stop etcd'],
        warnings: [],
      }),
    );
    assert.match(md, /^# Audit: etcd scale-in scalein-prod_CHG-2$/m);
    assert.match(md, /^\*\*COMPLETED\*\* at .*: 5 -> 3 members\.$/m);
    assert.match(
      md,
      /^- etcd4 \(ID a1\): removed, service stopped, data dir moved to \/var\/lib\/etcd\.removed$/m,
    );
    assert.match(
      md,
      /^- etcd5 \(ID b2\): already gone from etcd, service NOT stopped$/m,
    );
    assert.match(md, /\*\*Left to do by hand:\*\*\n\n- on etcd5: stop etcd/);
    const replaced = renderAuditMarkdown(
      completed('replaceEtcdMember', {
        path: 'healthy',
        replaced: { name: 'etcd2', id: 'b2' },
        newMember: 'etcd4',
        membersAfter: ['etcd1', 'etcd3', 'etcd4'],
        removal: {
          member: 'etcd2',
          id: 'b2',
          removed: true,
          serviceStopped: true,
        },
        apiservers: {
          swap: { told: 'all', nodes: [{ host: 'cp1', state: 'told' }] },
        },
        leftByHand: [],
        warnings: [],
      }),
    );
    assert.match(replaced, /^# Audit: etcd member replacement /m);
    assert.match(replaced, /^\*\*COMPLETED\*\* at .*: 3 members\.$/m);
    assert.match(
      replaced,
      /^Replaced etcd2 \(ID b2\) by etcd4 \(path: healthy\)\.$/m,
    );
    assert.match(replaced, /^- etcd2 \(ID b2\): removed, service stopped$/m);
    assert.match(
      replaced,
      /^kube-apiservers \(swap\) told \(all\): cp1 told$/m,
    );
    assert.match(
      renderAuditMarkdown(completed('scaleOutEtcd', { from: 3, to: 5 })),
      /^# Audit: etcd scale-out /m,
    );
  });

  it('reads members a result lists by name as the members the preflight read', () => {
    const read: RecordedActivity = {
      activityId: '1',
      name: 'inspectCluster',
      summary: 'preflight',
      scheduledAt: 't',
      attempts: 1,
      outcome: 'completed',
      result: {
        members: [
          member('etcd1', '1'),
          member('etcd2', '2'),
          member('etcd4', '4'),
        ],
      },
    };
    const m = membersOf([read], {
      membersBefore: ['etcd1', 'etcd2', 'etcd4'],
      membersAfter: ['etcd1', 'etcd2'],
    });
    assert.deepEqual(
      m.membersBefore?.map((x) => [x.name, x.id]),
      [
        ['etcd1', '1'],
        ['etcd2', '2'],
        ['etcd4', '4'],
      ],
    );
    assert.deepEqual(
      m.membersAfter?.map((x) => [x.name, x.id, x.clientURLs[0]]),
      [
        ['etcd1', '1', 'http://etcd1:2379'],
        ['etcd2', '2', 'http://etcd2:2379'],
      ],
    );
    // A member the preflight did not read (a replacement's new one) is shown by its name alone.
    const after = membersOf([read], { membersAfter: ['etcd1', 'etcd6'] });
    assert.deepEqual(after.membersAfter?.[1], {
      id: '',
      name: 'etcd6',
      peerURLs: [],
      clientURLs: [],
      isLearner: false,
    });
  });
});
