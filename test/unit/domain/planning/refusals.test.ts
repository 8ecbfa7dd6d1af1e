/** The plans planScaleOut refuses, each naming why. */
import assert from 'node:assert/strict';
import {
  initialClusterString,
  planScaleOut,
} from '../../../../src/domain/planning';
import {
  client,
  ip,
  newMembers,
  peer,
  planError,
  type Req,
  request,
  three,
  voter,
} from '../../../support/planning';

describe('planning', () => {
  describe('planScaleOut refusals', () => {
    it('refuses more than 7 voters unless allowLargeCluster', () => {
      const e = planError(() =>
        planScaleOut(
          request((r) => {
            r.newMembers = newMembers(6);
            r.strategy.canary = 2;
          }),
          three(),
        ),
      );
      assert.equal(e.field, 'newMembers');
      assert.match(
        e.message,
        /to 9 voting members; above 7 .*strategy\.allowLargeCluster/,
      );
    });

    it('refuses a new member on the host of an existing member', () => {
      const onEtcd2 = {
        ...newMembers(1)[0],
        host: ip(2),
        peerURL: `http://${ip(2)}:2480`,
        clientURL: `http://${ip(2)}:2479`,
      };
      const e = planError(() =>
        planScaleOut(
          request((r) => {
            r.newMembers = [onEtcd2, newMembers(2)[1]];
            r.cluster.endpoints = [client(1)];
          }),
          three(),
        ),
      );
      assert.equal(e.field, 'newMembers[0].host');
      assert.match(
        e.message,
        /is the host of member etcd2: one etcd member per host/,
      );
    });

    it('refuses a member name or URL from etcd that would write another line into the env file', () => {
      const evil = { ...voter(2), name: 'etcd2\nLD_PRELOAD=/tmp/x.so' };
      const e = planError(() =>
        initialClusterString([voter(1), evil], {
          name: 'etcd4',
          peerURL: peer(4),
        }),
      );
      assert.match(
        e.message,
        /has the name "etcd2\\nLD_PRELOAD=\/tmp\/x\.so", which is not 1-63 lowercase/,
      );
      const badUrl = {
        ...voter(3),
        peerURLs: ['http://127.0.24.13:2380,etcd9=http://10.0.0.9:2380'],
      };
      assert.throws(
        () =>
          initialClusterString([voter(1), badUrl], {
            name: 'etcd4',
            peerURL: peer(4),
          }),
        /refusing to write it into an env file/,
      );
    });

    it('refuses an even target size unless allowEvenSize', () => {
      const even = (r: Req) => (r.newMembers = r.newMembers.slice(0, 1));
      const err = planError(() => planScaleOut(request(even), three()));
      assert.equal(err.field, 'newMembers');
      assert.match(
        err.message,
        /^newMembers: would take the cluster from 3 to 4 members.*strategy\.allowEvenSize/,
      );

      const p = planScaleOut(
        request((r) => {
          even(r);
          r.strategy.allowEvenSize = true;
        }),
        three(),
      );
      assert.equal(p.to, 4);
      assert.deepEqual(p.warnings, [
        'target size 4 is even: it tolerates 1 failure(s), like 3',
      ]);
    });

    it('refuses while the cluster has a learner', () => {
      const members = [
        ...three(),
        { ...voter(6), name: 'etcd6', isLearner: true },
      ];
      const err = planError(() => planScaleOut(request(), members));
      assert.equal(err.field, 'cluster');
      assert.match(err.message, /has a learner already \(etcd6\)/);
    });

    it('refuses a new peer URL that is already a member', () => {
      const members = [...three(), { ...voter(5), name: 'old5' }];
      const err = planError(() => planScaleOut(request(), members));
      assert.equal(err.field, 'newMembers[1].peerURL');
      assert.match(
        err.message,
        /^newMembers\[1\]\.peerURL: http:\/\/127\.0\.24\.15:2380 is already a member of cluster lab-24 \(old5\)/,
      );
    });

    it('refuses a new name that is already a member', () => {
      const members = [...three(), { ...voter(9), name: 'etcd5' }];
      const err = planError(() => planScaleOut(request(), members));
      assert.equal(err.field, 'newMembers[1].name');
      assert.match(err.message, /etcd5 is already a member/);
    });

    it('refuses a new client URL that a member already serves', () => {
      const members = [...three(), { ...voter(9), clientURLs: [client(4)] }];
      const err = planError(() => planScaleOut(request(), members));
      assert.equal(err.field, 'newMembers[0].clientURL');
    });
  });
});
