/** initialClusterString: each new member's ETCD_INITIAL_CLUSTER, from etcd's member list. */
import assert from 'node:assert/strict';
import { initialClusterString } from '../../../../src/domain/planning';
import { peer, planError, three, voter } from '../../../support/planning';

describe('planning', () => {
  describe('initialClusterString', () => {
    it('keeps etcd order, puts a new member last and gives every peer URL of a member', () => {
      const members = [
        voter(2),
        { ...voter(1), peerURLs: [peer(1), 'http://10.0.0.1:2380'] },
        voter(3),
      ];
      assert.equal(
        initialClusterString(members, { name: 'etcd4', peerURL: peer(4) }),
        'etcd2=http://127.0.24.12:2380,etcd1=http://127.0.24.11:2380,etcd1=http://10.0.0.1:2380,etcd3=http://127.0.24.13:2380,etcd4=http://127.0.24.14:2380',
      );
    });

    it("names the joining member in etcd's own answer, where its name is still empty", () => {
      const afterAdd = [
        ...three(),
        {
          id: '42',
          name: '',
          peerURLs: [peer(4)],
          clientURLs: [],
          isLearner: true,
        },
      ];
      assert.equal(
        initialClusterString(afterAdd, { name: 'etcd4', peerURL: peer(4) }),
        `${three()
          .map((m) => `${m.name}=${m.peerURLs[0]}`)
          .join(',')},etcd4=http://127.0.24.14:2380`,
      );
    });

    it('takes an unstarted member name from knownNames', () => {
      const members = [
        ...three(),
        {
          id: '42',
          name: '',
          peerURLs: [peer(4)],
          clientURLs: [],
          isLearner: false,
        },
      ];
      assert.equal(
        initialClusterString(
          members,
          { name: 'etcd5', peerURL: peer(5) },
          { [peer(4)]: 'etcd4' },
        ),
        'etcd1=http://127.0.24.11:2380,etcd2=http://127.0.24.12:2380,etcd3=http://127.0.24.13:2380,etcd4=http://127.0.24.14:2380,etcd5=http://127.0.24.15:2380',
      );
    });

    it('throws for an unstarted member without a known name', () => {
      const members = [
        ...three(),
        {
          id: '42',
          name: '',
          peerURLs: [peer(4)],
          clientURLs: [],
          isLearner: false,
        },
      ];
      const err = planError(() =>
        initialClusterString(members, { name: 'etcd5', peerURL: peer(5) }),
      );
      assert.equal(err.field, 'members');
      assert.match(
        err.message,
        /member 42 \(http:\/\/127\.0\.24\.14:2380\) has no name: it was added but never started/,
      );
      planError(() =>
        initialClusterString(
          members,
          { name: 'etcd5', peerURL: peer(5) },
          { [peer(9)]: 'etcd9' },
        ),
      );
    });
  });
});
