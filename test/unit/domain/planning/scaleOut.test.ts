/** planScaleOut 3 -> 5 and beyond: quorum, fault tolerance on the way, the steps in order, and describePlan. */
import assert from 'node:assert/strict';
import {
  describePlan,
  faultTolerance,
  planScaleOut,
  quorum,
} from '../../../../src/domain/planning';
import {
  client,
  newMembers,
  request,
  three,
  voter,
} from '../../../support/planning';

describe('planning', () => {
  describe('quorum and fault tolerance', () => {
    const expected: Record<number, [number, number]> = {
      1: [1, 0],
      2: [2, 0],
      3: [2, 1],
      4: [3, 1],
      5: [3, 2],
      6: [4, 2],
      7: [4, 3],
      8: [5, 3],
      9: [5, 4],
    };
    for (const [voters, [q, ft]] of Object.entries(expected)) {
      it(`${voters} voters: quorum ${q}, tolerates ${ft}`, () => {
        assert.equal(quorum(Number(voters)), q);
        assert.equal(faultTolerance(Number(voters)), ft);
      });
    }
  });

  describe('fault tolerance on the way', () => {
    it('names the window with no fault tolerance of a 1 -> 3 plan', () => {
      const p = planScaleOut(
        request((r) => {
          r.newMembers = newMembers(2);
          r.cluster.endpoints = [client(1)];
        }),
        [voter(1)],
      );
      assert.ok(
        p.warnings.some((w) =>
          /no fault tolerance while the cluster has 1 or 2 voter\(s\)/.test(w),
        ),
        p.warnings.join('; '),
      );
    });

    it('says nothing of it for 3 -> 5', () => {
      const p = planScaleOut(request(), three());
      assert.ok(!p.warnings.some((w) => /no fault tolerance/.test(w)));
    });
  });

  describe('planScaleOut 3 -> 5', () => {
    const plan = planScaleOut(request(), three());

    it('joins the canary first, then the batch', () => {
      assert.equal(plan.from, 3);
      assert.equal(plan.to, 5);
      assert.equal(plan.cluster, 'lab-24');
      assert.deepEqual(
        plan.steps.map((s) => [s.member.name, s.stage]),
        [
          ['etcd4', 'canary'],
          ['etcd5', 'batch'],
        ],
      );
      assert.deepEqual(plan.warnings, []);
    });

    it('gives the size while each member is a learner and once promoted', () => {
      assert.deepEqual(plan.steps[0].whileLearner, {
        voters: 3,
        quorum: 2,
        faultTolerance: 1,
      });
      assert.deepEqual(plan.steps[0].afterPromote, {
        voters: 4,
        quorum: 3,
        faultTolerance: 1,
      });
      assert.deepEqual(plan.steps[1].whileLearner, {
        voters: 4,
        quorum: 3,
        faultTolerance: 1,
      });
      assert.deepEqual(plan.steps[1].afterPromote, {
        voters: 5,
        quorum: 3,
        faultTolerance: 2,
      });
    });

    it('gives each new member the members before it plus itself as its initial cluster', () => {
      assert.equal(
        plan.steps[0].initialCluster,
        'etcd1=http://127.0.24.11:2380,etcd2=http://127.0.24.12:2380,etcd3=http://127.0.24.13:2380,etcd4=http://127.0.24.14:2380',
      );
      assert.equal(
        plan.steps[1].initialCluster,
        'etcd1=http://127.0.24.11:2380,etcd2=http://127.0.24.12:2380,etcd3=http://127.0.24.13:2380,etcd4=http://127.0.24.14:2380,etcd5=http://127.0.24.15:2380',
      );
    });

    it('lists every client URL for --etcd-servers', () => {
      assert.deepEqual(plan.etcdServers, [1, 2, 3, 4, 5].map(client));
    });

    it('makes every member a canary when canary equals the number of new members', () => {
      const p = planScaleOut(
        request((r) => (r.strategy.canary = 2)),
        three(),
      );
      assert.deepEqual(
        p.steps.map((s) => s.stage),
        ['canary', 'canary'],
      );
    });

    it('batches 3 -> 9 behind 2 canaries and warns above 7 when allowLargeCluster', () => {
      const p = planScaleOut(
        request((r) => {
          r.newMembers = newMembers(6);
          r.strategy.canary = 2;
          r.strategy.allowLargeCluster = true;
        }),
        three(),
      );
      assert.deepEqual(
        p.steps.map(
          (s) =>
            `${s.member.name}:${s.stage}:${s.afterPromote.voters}/${s.afterPromote.quorum}`,
        ),
        [
          'etcd4:canary:4/3',
          'etcd5:canary:5/3',
          'etcd6:batch:6/4',
          'etcd7:batch:7/4',
          'etcd8:batch:8/5',
          'etcd9:batch:9/5',
        ],
      );
      assert.equal(p.warnings.length, 1);
      assert.match(
        p.warnings[0],
        /target size 9 is above 7: every write waits for 5 members/,
      );
    });
  });

  describe('describePlan', () => {
    it('numbers the steps and mentions each of them', () => {
      const req = request((r) => {
        r.node = { dataDir: '/data/etcd', service: 'etcd-main' };
      });
      const plan = planScaleOut(req, three());
      const lines = describePlan(plan, req);
      assert.equal(lines.length, 2 + plan.steps.length + 1);
      for (const [i, l] of lines.entries())
        assert.ok(l.startsWith(`${i + 1}. `), l);
      assert.match(
        lines[0],
        /^1\. preflight: check 3 voting members.*2 new host\(s\).*data dir \/data\/etcd: quarantine if stale/,
      );
      assert.match(
        lines[1],
        /^2\. backup: snapshot one healthy member into \/tmp\/etcd-scaleout-lab\/block-24\/backups/,
      );
      assert.match(
        lines[2],
        /^3\. canary etcd4 \(127\.0\.24\.14\): add learner http:\/\/127\.0\.24\.14:2380 \(voters 3, quorum 2\)/,
      );
      assert.ok(
        lines[2].includes(
          `ETCD_INITIAL_CLUSTER=${plan.steps[0].initialCluster} `,
        ),
      );
      assert.match(
        lines[2],
        /start etcd-main \(TimeoutStartSec 600s for this start\); wait for catch-up \(deadline 300s\); promote \(voters 4, quorum 3, tolerates 1 failure\(s\)\)/,
      );
      assert.match(
        lines[3],
        /^4\. batch etcd5 \(127\.0\.24\.15\):.*promote \(voters 5, quorum 3, tolerates 2 failure\(s\)\)/,
      );
      assert.equal(
        lines[4],
        `5. result: 3 -> 5 members; --etcd-servers=${[1, 2, 3, 4, 5].map(client).join(',')} (no control-plane nodes: the kube-apiservers are not told)`,
      );
      const told = describePlan(plan, {
        ...req,
        controlPlane: {
          nodes: ['127.0.24.11', '127.0.24.12'].map((h) => ({
            host: h,
            manifest: '/etc/kubernetes/manifests/kube-apiserver.yaml',
            readyzURL: `https://${h}:6443/readyz`,
            tls: { caFile: '/etc/etcd-scaleout/kubernetes-ca.crt' },
          })),
          readyTimeoutSeconds: 180,
          settleSeconds: 10,
        },
      });
      assert.match(
        told[4],
        /^5\. apiservers: on 127\.0\.24\.11, 127\.0\.24\.12, one at a time, every apiserver ready first; append the new members to --etcd-servers .* stays ok for 10s \(deadline 180s; else put back\)$/,
      );
      assert.match(told[5], /^6\. result: 3 -> 5 members; --etcd-servers=\S+$/);
    });
  });
});
