/** status shows each workflow type's result: a scale-out's members and inventory, a scale-in's removals. */
import assert from 'node:assert/strict';
import { renderStatus, type StatusView } from '../../../src/cli/render/status';

const view = (result: unknown, workflowType: string): StatusView =>
  ({
    workflowId: 'w',
    runId: 'r',
    workflowType,
    status: 'COMPLETED',
    startTime: '2026-12-02T10:00:00.000Z',
    result,
  }) as StatusView;

describe('status: the result of each workflow type', () => {
  it("shows a scale-in's removals and what is left by hand", () => {
    const text = renderStatus(
      view(
        {
          from: 5,
          to: 3,
          membersAfter: ['etcd1', 'etcd2', 'etcd3'],
          removed: [
            {
              member: 'etcd4',
              id: 'a1',
              removed: true,
              serviceStopped: true,
              dataDirMovedTo: '/var/lib/etcd.removed-x',
            },
            {
              member: 'etcd5',
              id: 'b2',
              removed: true,
              serviceStopped: false,
              leftByHand: [],
            },
          ],
          etcdServers: ['http://a:2379'],
          apiservers: { told: 'none', nodes: [] },
          leftByHand: ['on 10.0.0.5: systemctl disable --now etcd'],
          inventoryChange: {
            format: 'ini',
            hosts: [],
            removed: [{ etcdMemberName: 'etcd4', address: '10.0.0.4' }],
            text: '# take out of the etcd group: the host with etcd_member_name=etcd4 (10.0.0.4)',
          },
          warnings: [],
        },
        'scaleInEtcd',
      ),
    );
    assert.match(text, /^type +scaleInEtcd$/m);
    assert.match(text, /^result +5 -> 3 members: etcd1, etcd2, etcd3$/m);
    assert.match(
      text,
      /^removed +etcd4 \(ID a1\): removed, service stopped, data dir moved to \/var\/lib\/etcd\.removed-x$/m,
    );
    assert.match(
      text,
      /^removed +etcd5 \(ID b2\): removed, service NOT stopped$/m,
    );
    assert.match(
      text,
      /^by hand +on 10\.0\.0\.5: systemctl disable --now etcd$/m,
    );
    assert.match(text, /^servers +--etcd-servers=http:\/\/a:2379$/m);
    assert.match(
      text,
      /^inventory +in the inventory's etcd group \(INI\), take out the host of etcd4, so the next playbook run keeps the members as they are:$/m,
    );
    assert.match(
      text,
      /^ +# take out of the etcd group: the host with etcd_member_name=etcd4 \(10\.0\.0\.4\)$/m,
    );
  });

  it("shows a scale-out's members with learners marked", () => {
    const text = renderStatus(
      view(
        {
          from: 3,
          to: 4,
          membersAfter: [{ name: 'etcd1' }, { name: 'etcd4', isLearner: true }],
          etcdServers: [],
          warnings: ['w1'],
        },
        'scaleOutEtcd',
      ),
    );
    assert.match(text, /^result +3 -> 4 members: etcd1, etcd4 \(learner\)$/m);
    assert.match(text, /^warning +w1$/m);
  });

  it("shows a replacement's member replaced, its removal and each apiserver rollout", () => {
    const text = renderStatus(
      view(
        {
          path: 'down',
          replaced: { name: 'etcd3', id: 'c3' },
          newMember: 'etcd4',
          membersBefore: ['etcd1', 'etcd2', 'etcd3'],
          membersAfter: ['etcd1', 'etcd2', 'etcd4'],
          removal: {
            member: 'etcd3',
            id: 'c3',
            removed: true,
            serviceStopped: false,
          },
          apiservers: {
            out: { told: 'all', nodes: [{ host: 'cp1', state: 'told' }] },
            in: { told: 'none', nodes: [] },
          },
          etcdServers: ['http://etcd1:2379'],
          leftByHand: ['on 10.0.0.3: move /var/lib/etcd aside'],
          warnings: [],
        },
        'replaceEtcdMember',
      ),
    );
    assert.match(text, /^result +3 members: etcd1, etcd2, etcd4$/m);
    assert.match(text, /^replaced +etcd3 \(ID c3\) by etcd4 \(path: down\)$/m);
    assert.match(
      text,
      /^removed +etcd3 \(ID c3\): removed, service NOT stopped$/m,
    );
    assert.match(text, /^apiservers +out: all told: cp1 told$/m);
    assert.match(text, /^apiservers +in: not told/m);
    assert.match(
      text,
      /^by hand +on 10\.0\.0\.3: move \/var\/lib\/etcd aside$/m,
    );
  });
});
