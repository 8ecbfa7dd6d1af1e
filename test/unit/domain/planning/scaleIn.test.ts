/** planScaleIn: removals one at a time, refused with the numbers when quorum or the target says no. */
import assert from 'node:assert/strict';
import {
  describeScaleIn,
  type MemberHealth,
  planScaleIn,
  type ScaleInInput,
} from '../../../../src/domain/planning';
import { client, planError, voter } from '../../../support/planning';

const healthy = (n: number): MemberHealth => ({ ...voter(n), healthy: true });
const sick = (n: number): MemberHealth => ({
  ...voter(n),
  healthy: false,
  error: 'connection refused',
});
const cluster = (count: number, ill: number[] = []) =>
  Array.from({ length: count }, (_, i) =>
    ill.includes(i + 1) ? sick(i + 1) : healthy(i + 1),
  );
const input = (edit: Partial<ScaleInInput> = {}): ScaleInInput => ({
  cluster: 'lab',
  members: cluster(5),
  remove: ['etcd4', 'etcd5'],
  endpoints: [client(1), client(2), client(3)],
  allowEvenSize: false,
  allowNoFaultTolerance: false,
  ...edit,
});

describe('planning', () => {
  describe('planScaleIn', () => {
    it('plans 5 -> 3 one member at a time, by ID, with each size', () => {
      const plan = planScaleIn(input());
      assert.equal(plan.from, 5);
      assert.equal(plan.to, 3);
      assert.deepEqual(
        plan.steps.map((s) => [
          s.member.name,
          s.member.id,
          s.before.voters,
          s.after.voters,
          s.after.quorum,
        ]),
        [
          ['etcd4', voter(4).id, 5, 4, 3],
          ['etcd5', voter(5).id, 4, 3, 2],
        ],
      );
      assert.deepEqual(plan.etcdServers, [client(1), client(2), client(3)]);
      assert.deepEqual(plan.warnings, []);
      assert.ok(plan.steps.every((s) => !s.switchedEndpoints));
      const text = describeScaleIn(plan).join('\n');
      assert.match(text, /remove etcd4 \(ID \d+, http:\S+\): out of every/);
      assert.match(text, /result: 5 -> 3 members/);
    });

    it('refuses removing two of three with the numbers', () => {
      const e = planError(() =>
        planScaleIn(input({ members: cluster(3), remove: ['etcd2', 'etcd3'] })),
      );
      assert.equal(e.field, 'removeMembers');
      assert.match(
        e.message,
        /removing etcd2 and etcd3 of 3 leaves 1 voter \(quorum 1, tolerates 0 failures\) where there were 3 voters \(quorum 2, tolerates 1 failure\).*allowNoFaultTolerance/,
      );
      // allowed on request, 3 -> 1 still passes through an even 2, which must be allowed too
      const allowed = planScaleIn(
        input({
          members: cluster(3),
          remove: ['etcd2', 'etcd3'],
          allowNoFaultTolerance: true,
        }),
      );
      assert.equal(allowed.to, 1);
    });

    it('refuses a target below one and an even target unless allowed', () => {
      assert.match(
        planError(() =>
          planScaleIn(
            input({
              members: cluster(1),
              remove: ['etcd1'],
              allowNoFaultTolerance: true,
            }),
          ),
        ).message,
        /removing etcd1 of 1 leaves 0 voters; a cluster needs at least one/,
      );
      const even = planError(() => planScaleIn(input({ remove: ['etcd5'] })));
      assert.match(
        even.message,
        /removing etcd5 of 5 leaves 4 voters \(quorum 3, tolerates 1 failure\): an even size .*allowEvenSize/,
      );
      const ok = planScaleIn(input({ remove: ['etcd5'], allowEvenSize: true }));
      assert.match(ok.warnings[0], /target size 4 is even/);
    });

    it('resolves names exactly, never by prefix, and refuses unknown, repeated or learner names', () => {
      const members = [...cluster(3), { ...healthy(10), name: 'etcd10' }];
      const e = planError(() =>
        planScaleIn(input({ members: cluster(5), remove: ['etcd'] })),
      );
      assert.equal(e.field, 'removeMembers[0]');
      assert.match(
        e.message,
        /no member of cluster lab is named "etcd" \(members: etcd1, etcd2/,
      );
      const plan = planScaleIn(
        input({ members, remove: ['etcd1'], allowEvenSize: true }),
      );
      assert.equal(plan.steps[0].member.id, voter(1).id);
      assert.match(
        planError(() => planScaleIn(input({ remove: ['etcd4', 'etcd4'] })))
          .message,
        /names etcd4 more than once/,
      );
      const withLearner = [...cluster(4), { ...healthy(5), isLearner: true }];
      assert.match(
        planError(() =>
          planScaleIn(input({ members: withLearner, remove: ['etcd4'] })),
        ).message,
        /cluster: has a learner \(etcd5\)/,
      );
    });

    it('allows a step while another member is unhealthy only when the numbers keep quorum', () => {
      // 5 with etcd1 down: removing etcd4 leaves 4 voters, 3 healthy = quorum 3
      const tight = planScaleIn(
        input({ members: cluster(5, [1]), remove: ['etcd4', 'etcd5'] }),
      );
      assert.equal(tight.steps[0].healthyAfter, 3);
      assert.match(
        tight.warnings.join('\n'),
        /leaves 4 voters of which 3 healthy/,
      );
      // 5 with etcd1 and etcd2 down: removing etcd4 leaves 4 voters, 2 healthy < 3
      const e = planError(() =>
        planScaleIn(
          input({ members: cluster(5, [1, 2]), remove: ['etcd4', 'etcd5'] }),
        ),
      );
      assert.equal(e.field, 'removeMembers[0]');
      assert.match(
        e.message,
        /removing etcd4 of 5 while etcd1 \(connection refused\), etcd2 \(connection refused\) are unhealthy: leaves 4 voters \(quorum 3, tolerates 1 failure\) with 2 healthy, below its quorum of 3/,
      );
      // removing the unhealthy ones themselves is what helps
      const heal = planScaleIn(
        input({ members: cluster(5, [4, 5]), remove: ['etcd4', 'etcd5'] }),
      );
      assert.deepEqual(
        heal.steps.map((s) => s.healthyAfter),
        [3, 3],
      );
    });

    it('refuses a cluster that has lost quorum', () => {
      const e = planError(() =>
        planScaleIn(
          input({
            members: cluster(3, [2, 3]),
            remove: ['etcd3'],
            allowEvenSize: true,
            allowNoFaultTolerance: true,
          }),
        ),
      );
      assert.match(
        e.message,
        /the cluster has 3 voters and only 1 healthy while etcd2 \(connection refused\) is unhealthy; quorum of 3 is 2/,
      );
    });

    it('switches endpoints before removing the last member the worker reaches', () => {
      const plan = planScaleIn(input({ endpoints: [client(4), client(5)] }));
      assert.deepEqual(plan.steps[0].endpoints, [client(5)]);
      assert.equal(plan.steps[0].switchedEndpoints, false);
      assert.deepEqual(plan.steps[1].endpoints, [
        client(1),
        client(2),
        client(3),
      ]);
      assert.equal(plan.steps[1].switchedEndpoints, true);
      assert.match(
        describeScaleIn(plan).join('\n'),
        /the worker switches to http:\/\/127\.0\.24\.11:2379,/,
      );
    });
  });
});
