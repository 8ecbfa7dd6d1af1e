/** planReplace: the path from the member's health, the point of no return, refusals with numbers. */
import assert from 'node:assert/strict';
import {
  countsQuorumForAdd,
  describeReplace,
  type MemberHealth,
  planReplace,
  type ReplaceInput,
} from '../../../../src/domain/planning';
import {
  client,
  ip,
  newMembers,
  peer,
  planError,
  voter,
} from '../../../support/planning';

const member = (
  n: number,
  healthy = true,
  version = '3.6.14',
): MemberHealth => ({
  ...voter(n),
  healthy,
  ...(healthy ? { version } : { error: 'context deadline exceeded' }),
});
const three = (down: number[] = []) =>
  [1, 2, 3].map((n) => member(n, !down.includes(n)));
const input = (edit: Partial<ReplaceInput> = {}): ReplaceInput => ({
  cluster: 'lab',
  members: three(),
  leaderId: voter(1).id,
  replace: 'etcd3',
  newMember: newMembers(1)[0],
  endpoints: [client(1), client(2), client(3)],
  ...edit,
});

describe('planning', () => {
  describe('planReplace', () => {
    it('a down member: out of the lists, removed first, then the new one joins', () => {
      const plan = planReplace(input({ members: three([3]) }));
      assert.equal(plan.path, 'down');
      assert.deepEqual(plan.steps, [
        'apiservers-out',
        'remove-old',
        'join-new',
        'apiservers-in',
      ]);
      assert.equal(plan.old.id, voter(3).id);
      assert.deepEqual(plan.old.peerURLs, [peer(3)]);
      assert.equal(
        plan.initialCluster,
        `etcd1=${peer(1)},etcd2=${peer(2)},etcd4=${peer(4)}`,
      );
      assert.equal(plan.peak.voters, 3);
      assert.equal(plan.healthyAtStart, 2);
      assert.equal(plan.healthyAtLeast, 2);
      assert.deepEqual(plan.endpoints, [client(1), client(2)]);
      assert.deepEqual(plan.etcdServers, [client(1), client(2), client(4)]);
      const text = describeReplace(plan).join('\n');
      assert.match(text, /etcd3 is down or unhealthy: remove it first/);
      assert.match(text, /4\. POINT OF NO RETURN: member remove etcd3/);
    });

    it('a down member may be replaced on its own host under its own name', () => {
      const same = {
        name: 'etcd3',
        host: ip(3),
        peerURL: peer(3),
        clientURL: client(3),
      };
      const plan = planReplace(
        input({ members: three([3]), newMember: same as never }),
      );
      assert.equal(plan.atOwnAddress, true);
      assert.equal(
        plan.initialCluster,
        `etcd1=${peer(1)},etcd2=${peer(2)},etcd3=${peer(3)}`,
      );
      // Removed first, the same peer URL added again; the apiservers' list the same before and after.
      assert.deepEqual(plan.steps, [
        'remove-old',
        'join-new',
        'apiservers-unchanged',
      ]);
      assert.deepEqual(plan.etcdServers, [client(1), client(2), client(3)]);
      assert.deepEqual(plan.endpoints, [client(1), client(2)]);
      const text = describeReplace(plan).join('\n');
      assert.match(
        text,
        /etcd3 is down or unhealthy: remove it first, then re-add it at its own address/,
      );
      assert.match(text, /3\. POINT OF NO RETURN: member remove etcd3/);
      assert.match(
        text,
        new RegExp(
          `4\\. re-add etcd3 at its own address after the removal \\(the same peer URL ${peer(3)}, a new member ID\\)`,
        ),
      );
      assert.match(
        text,
        /5\. every kube-apiserver's --etcd-servers unchanged .*: the apiservers are not touched/,
      );
      assert.match(
        text,
        new RegExp(
          `result: 3 members, etcd3 replaced by etcd3; --etcd-servers=${client(1)},${client(2)},${client(3)}`,
        ),
      );
    });

    it('a healthy member cannot be replaced by itself: refused naming the field, why and what to do', () => {
      const same = {
        name: 'etcd3',
        host: ip(3),
        peerURL: peer(3),
        clientURL: client(3),
      };
      const e = planError(() =>
        planReplace(input({ newMember: same as never })),
      );
      assert.equal(e.field, 'newMembers[0]');
      assert.match(
        e.message,
        /has etcd3's own name, host, peer URL, client URL, and etcd3 is healthy \(it answers on .*\): a healthy member cannot be replaced by itself/,
      );
      assert.match(e.message, new RegExp(`stop etcd on ${ip(3)} first`));
    });

    it("on the down path, the new member takes all of the replaced one's identity or none of it", () => {
      const renamed = {
        name: 'etcd9',
        host: ip(3),
        peerURL: peer(3),
        clientURL: client(3),
      };
      const e = planError(() =>
        planReplace(
          input({ members: three([3]), newMember: renamed as never }),
        ),
      );
      assert.equal(e.field, 'newMembers[0]');
      assert.match(
        e.message,
        /takes part of etcd3's identity .*: a member rebuilt on its own machine keeps its name, peer URL and client URL all three/,
      );
      // its name on another member's address: that member's, refused (the request check lets it through)
      const onEtcd2 = {
        name: 'etcd3',
        host: ip(2),
        peerURL: peer(2),
        clientURL: client(2),
      };
      assert.match(
        planError(() =>
          planReplace(
            input({ members: three([3]), newMember: onEtcd2 as never }),
          ),
        ).message,
        /newMember: etcd3 .* clashes with member etcd2/,
      );
      // the same name on another host is a new member, not the rebuilt one: the usual path
      const moved = planReplace(
        input({
          members: three([3]),
          newMember: { ...newMembers(1)[0], name: 'etcd3' },
        }),
      );
      assert.equal(moved.atOwnAddress, false);
      assert.deepEqual(moved.steps, [
        'apiservers-out',
        'remove-old',
        'join-new',
        'apiservers-in',
      ]);
    });

    it('a healthy member: the new one joins first, then the old one leaves; the leader is named', () => {
      const plan = planReplace(input({ replace: 'etcd1' }));
      assert.equal(plan.path, 'healthy');
      assert.equal(plan.oldLeads, true);
      assert.deepEqual(plan.steps, [
        'join-new',
        'apiservers-swap',
        'remove-old',
      ]);
      assert.equal(
        plan.initialCluster,
        `etcd1=${peer(1)},etcd2=${peer(2)},etcd3=${peer(3)},etcd4=${peer(4)}`,
      );
      assert.equal(plan.peak.voters, 4);
      assert.equal(plan.healthyAtLeast, 3);
      assert.deepEqual(plan.etcdServers, [client(2), client(3), client(4)]);
      assert.match(
        describeReplace(plan).join('\n'),
        /5\. POINT OF NO RETURN: move leadership away from it, member remove etcd1/,
      );
    });

    it('never by prefix, never a learner', () => {
      assert.match(
        planError(() => planReplace(input({ replace: 'etcd' }))).message,
        /replace: no member of cluster lab is named "etcd"/,
      );
      const withLearner = [...three(), { ...member(5), isLearner: true }];
      assert.match(
        planError(() => planReplace(input({ members: withLearner }))).message,
        /has a learner \(etcd5\)/,
      );
    });

    it('refuses when the numbers lose quorum', () => {
      // etcd2 and etcd3 down of 3: the removal cannot be committed
      const e = planError(() => planReplace(input({ members: three([2, 3]) })));
      assert.equal(e.field, 'replace');
      assert.match(
        e.message,
        /replacing etcd3 of 3: the cluster has 3 voters and only 1 healthy while etcd2 \(context deadline exceeded\) is unhealthy; quorum of 3 is 2/,
      );
      // a healthy etcd3 while etcd1 and etcd2 are down: 4 voters with 2 healthy
      const h = planError(() => planReplace(input({ members: three([1, 2]) })));
      assert.match(
        h.message,
        /replacing etcd3 of 3: the cluster has 4 voters and only 2 healthy while etcd1 \(context deadline exceeded\), etcd2 \(context deadline exceeded\) are unhealthy; quorum of 4 is 3/,
      );
    });

    it('a healthy replacement while another member is down: refused at 3 (etcd would refuse the add), accepted at 5', () => {
      const e = planError(() => planReplace(input({ members: three([2]) })));
      assert.equal(e.field, 'replace');
      assert.match(
        e.message,
        /replacing etcd3 of 3: the new member would join 3 voters of which 2 healthy, and etcd refuses a member add unless 3 \(the quorum of 4\) are healthy and connected; bring etcd2 \(context deadline exceeded\) back or remove it first/,
      );
      const five = [1, 2, 3, 4, 5].map((n) => member(n, n !== 2));
      const plan = planReplace(
        input({ members: five, newMember: newMembers(3)[2] }),
      );
      assert.equal(plan.path, 'healthy');
      assert.equal(plan.healthyAtStart, 4);
      assert.equal(plan.healthyAtLeast, 4);
      assert.deepEqual(
        [plan.join.whileLearner.voters, plan.join.afterPromote.voters],
        [5, 6],
      );
      assert.match(plan.warnings[0], /1 of 5 voters unhealthy at the start/);
    });

    it('on releases that want every voter connected for an add (3.4, 3.5.29, 3.6.10), or no version known: refused with the release named', () => {
      for (const version of ['3.4.23', '3.5.29', '3.6.10']) {
        const five = [1, 2, 3, 4, 5].map((n) => member(n, n !== 2, version));
        const e = planError(() =>
          planReplace(input({ members: five, newMember: newMembers(3)[2] })),
        );
        assert.equal(e.field, 'replace');
        assert.match(
          e.message,
          new RegExp(
            `replacing etcd3 of 5: the new member would join 5 voters of which 4 healthy, and etcd ${version.replace(/\./g, '\\.')} refuses a member add unless all 5 are healthy and connected \\(from 3\\.5\\.30 and 3\\.6\\.11 a quorum of 6 is enough\\); bring etcd2 \\(context deadline exceeded\\) back or remove it first`,
          ),
        );
      }
      // One member on the older release is enough: any member may receive the add.
      const mixed = [1, 2, 3, 4, 5].map((n) =>
        member(n, n !== 2, n === 5 ? '3.5.29' : '3.6.14'),
      );
      assert.match(
        planError(() =>
          planReplace(input({ members: mixed, newMember: newMembers(3)[2] })),
        ).message,
        /etcd 3\.5\.29 refuses a member add unless all 5/,
      );
      const unknown = [1, 2, 3, 4, 5].map((n) => ({
        ...member(n, n !== 2),
        version: undefined,
      }));
      assert.match(
        planError(() =>
          planReplace(input({ members: unknown, newMember: newMembers(3)[2] })),
        ).message,
        /etcd \(version unknown\) refuses a member add unless all 5/,
      );
      // The down path on an older release: after the removal every remaining voter is healthy.
      const plan = planReplace(
        input({ members: [1, 2, 3].map((n) => member(n, n !== 3, '3.5.29')) }),
      );
      assert.equal(plan.path, 'down');
    });

    it('a down member while another is down too: the add after the removal needs a quorum of the new size', () => {
      // 5 voters, etcd3 (replaced) and etcd2 down: after the removal 4 voters, 3 healthy = quorum of 5
      const five = [1, 2, 3, 4, 5].map((n) => member(n, n !== 2 && n !== 3));
      const plan = planReplace(
        input({ members: five, newMember: newMembers(3)[2] }),
      );
      assert.equal(plan.path, 'down');
      assert.deepEqual(
        [plan.join.whileLearner.voters, plan.join.afterPromote.voters],
        [4, 5],
      );
    });
  });
});

describe('planning: which rule etcd applies to a member add', () => {
  it('counts a quorum from 3.5.30, 3.6.11 and in 3.7; every voter before', () => {
    const cases: Array<[string, boolean]> = [
      ['3.4.23', false],
      ['3.5.0', false],
      ['3.5.29', false],
      ['3.5.30', true],
      ['3.5.33', true],
      ['3.6.0', false],
      ['3.6.10', false],
      ['3.6.11', true],
      ['3.6.14', true],
      ['3.7.3', true],
      ['v3.6.14', true],
      ['not a version', false],
    ];
    for (const [v, quorumRule] of cases)
      assert.equal(countsQuorumForAdd(v), quorumRule, v);
  });
});
