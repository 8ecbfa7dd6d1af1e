/**
 * orderedMembers: one order of the members in every list (planning/memberOrder.ts), and the plans of
 * the three workflows using it whatever order etcd lists the members in.
 */
import assert from 'node:assert/strict';
import {
  type MemberHealth,
  type MemberInfo,
  memberListString,
  orderedMembers,
  planReplace,
  planScaleIn,
  planScaleOut,
} from '../../../../src/domain/planning';
import {
  client,
  newMembers,
  peer,
  request,
  voter,
} from '../../../support/planning';

const names = (ms: Array<{ name: string }>) => ms.map((m) => m.name);
const PROFILE = [client(1), client(2), client(3)];
/** etcd's list in an order of its own (it changes from run to run). */
const ETCD_ORDER = [voter(2), voter(3), voter(1)];
const healthy = (m: MemberInfo): MemberHealth => ({ ...m, healthy: true });
/** A learner just added: no name, no client URL yet. */
const unstarted = (n: number): MemberInfo => ({
  ...voter(n),
  name: '',
  clientURLs: [],
  isLearner: true,
});

describe('planning', () => {
  describe('orderedMembers', () => {
    it("puts the existing members in the profile's order, whatever etcd's", () => {
      assert.deepEqual(names(orderedMembers(PROFILE, ETCD_ORDER)), [
        'etcd1',
        'etcd2',
        'etcd3',
      ]);
      assert.deepEqual(
        names(orderedMembers([client(3), client(1), client(2)], ETCD_ORDER)),
        ['etcd3', 'etcd1', 'etcd2'],
      );
    });

    it("appends the new members in the request's order, matched by peer URL (a learner has no client URL yet)", () => {
      const listed = [voter(5), voter(2), unstarted(4), voter(1), voter(3)];
      const ordered = orderedMembers(PROFILE, listed, [peer(4), peer(5)]);
      assert.deepEqual(
        ordered.map((m) => m.peerURLs[0]),
        [1, 2, 3, 4, 5].map(peer),
      );
    });

    it('drops nothing it is given and adds nothing: a removed member is simply not passed', () => {
      assert.deepEqual(names(orderedMembers(PROFILE, [voter(3), voter(1)])), [
        'etcd1',
        'etcd3',
      ]);
      assert.deepEqual(orderedMembers(PROFILE, []), []);
    });

    it('puts members the profile does not name after the ones it names, by name, and before the new ones', () => {
      const stray = { ...voter(9), name: 'etcd0' };
      const listed = [voter(6), stray, unstarted(4), voter(2), voter(1)];
      assert.deepEqual(
        orderedMembers([client(1), client(2)], listed, [peer(4)]).map(
          (m) => m.peerURLs[0],
        ),
        [peer(1), peer(2), peer(9), peer(6), peer(4)],
      );
    });

    it("matches the profile's URLs as one server whatever their case or trailing slash", () => {
      assert.deepEqual(
        names(
          orderedMembers(
            ['HTTP://127.0.24.13:2379/', client(1), client(2)],
            ETCD_ORDER,
          ),
        ),
        ['etcd3', 'etcd1', 'etcd2'],
      );
    });

    it('gives the same order for every order etcd may list them in', () => {
      const all = [voter(1), voter(2), voter(3), unstarted(4), voter(5)];
      const want = orderedMembers(PROFILE, all, [peer(4), peer(5)]);
      for (const shuffled of [
        [...all].reverse(),
        [all[3], all[0], all[4], all[2], all[1]],
      ])
        assert.deepEqual(
          orderedMembers(PROFILE, shuffled, [peer(4), peer(5)]),
          want,
        );
    });

    it('memberListString lists name=peerURL in the order given', () => {
      assert.equal(
        memberListString(orderedMembers(PROFILE, ETCD_ORDER)),
        `etcd1=${peer(1)},etcd2=${peer(2)},etcd3=${peer(3)}`,
      );
    });
  });

  describe("the plans' lists, with etcd listing the members out of order", () => {
    it('scale-out: etcdServers and each ETCD_INITIAL_CLUSTER are the profile order, new members appended in order', () => {
      const plan = planScaleOut(request(), ETCD_ORDER);
      assert.deepEqual(plan.etcdServers, [1, 2, 3, 4, 5].map(client));
      assert.deepEqual(
        plan.steps.map((s) => s.initialCluster),
        [
          `etcd1=${peer(1)},etcd2=${peer(2)},etcd3=${peer(3)},etcd4=${peer(4)}`,
          `etcd1=${peer(1)},etcd2=${peer(2)},etcd3=${peer(3)},etcd4=${peer(4)},etcd5=${peer(5)}`,
        ],
      );
    });

    it('scale-in: etcdServers are the remaining members in the profile order', () => {
      const plan = planScaleIn({
        cluster: 'lab',
        members: [voter(4), voter(2), voter(5), voter(3), voter(1)].map(
          healthy,
        ),
        remove: ['etcd2', 'etcd4'],
        endpoints: [1, 2, 3, 4, 5].map(client),
        allowEvenSize: false,
        allowNoFaultTolerance: false,
      });
      assert.deepEqual(plan.etcdServers, [client(1), client(3), client(5)]);
    });

    it("replace: a profile naming only the replaced member switches to the others in the one order (by name), which the join's list then follows", () => {
      const plan = planReplace({
        cluster: 'lab',
        members: [voter(3), voter(1), voter(2)].map(healthy),
        replace: 'etcd2',
        newMember: newMembers(1)[0],
        endpoints: [client(2)],
      });
      assert.equal(plan.switchedEndpoints, true);
      assert.deepEqual(plan.endpoints, [client(1), client(3)]);
      assert.deepEqual(plan.etcdServers, [client(1), client(3), client(4)]);
      // What addLearner orders by (cluster.endpoints = plan.endpoints on the down path) agrees.
      assert.deepEqual(
        orderedMembers(
          plan.endpoints,
          [voter(4), voter(3), voter(1)],
          [peer(4)],
        ).flatMap((m) => m.clientURLs),
        plan.etcdServers,
      );
    });

    for (const path of ['down', 'healthy'] as const)
      it(`replace (${path}): the replacement appended, not in the replaced member's place`, () => {
        const members = ETCD_ORDER.map((m) => ({
          ...healthy(m),
          ...(path === 'down' && m.name === 'etcd2'
            ? { healthy: false, error: 'down' }
            : {}),
        }));
        const plan = planReplace({
          cluster: 'lab',
          members,
          replace: 'etcd2',
          newMember: newMembers(1)[0],
          endpoints: PROFILE,
        });
        assert.equal(plan.path, path);
        assert.deepEqual(plan.etcdServers, [client(1), client(3), client(4)]);
        assert.equal(
          plan.initialCluster,
          path === 'down'
            ? `etcd1=${peer(1)},etcd3=${peer(3)},etcd4=${peer(4)}`
            : `etcd1=${peer(1)},etcd2=${peer(2)},etcd3=${peer(3)},etcd4=${peer(4)}`,
        );
      });
  });
});
