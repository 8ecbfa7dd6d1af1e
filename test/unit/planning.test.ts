import assert from 'node:assert/strict';
import {
  describePlan,
  faultTolerance,
  initialClusterString,
  type MemberInfo,
  memberEnv,
  mergeEnvFile,
  PlanError,
  parseEnvFile,
  planScaleOut,
  quorum,
} from '../../src/domain/planning';
import {
  formatErrors,
  type ScaleOutRequest,
  validateRequest,
} from '../../src/domain/request';
import { sampleRequest } from '../support/badRequests';

type Req = Record<string, any>;

const ip = (n: number) => `127.0.24.${10 + n}`;
const peer = (n: number) => `http://${ip(n)}:2380`;
const client = (n: number) => `http://${ip(n)}:2379`;
/** A started voting member etcdN as etcd's member list reports it. */
const voter = (n: number): MemberInfo => ({
  id: String(10_000_000_000_000_000_000n + BigInt(n)),
  name: `etcd${n}`,
  peerURLs: [peer(n)],
  clientURLs: [client(n)],
  isLearner: false,
});
const three = (): MemberInfo[] => [1, 2, 3].map(voter);

function request(edit: (r: Req) => void = () => {}): ScaleOutRequest {
  const r = sampleRequest();
  edit(r);
  const v = validateRequest(r);
  if (!v.ok) assert.fail(formatErrors(v.errors));
  return v.request;
}

/** New members etcd4..etcd(3+count). */
const newMembers = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    name: `etcd${4 + i}`,
    host: ip(4 + i),
    peerURL: peer(4 + i),
    clientURL: client(4 + i),
  }));

function planError(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PlanError, `not a PlanError: ${err}`);
    return err;
  }
  return assert.fail('did not throw');
}

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

  describe('env files', () => {
    const kubespray = [
      '# Ansible managed',
      'ETCD_DATA_DIR=/var/lib/etcd',
      'ETCD_ADVERTISE_CLIENT_URLS=https://10.0.0.11:2379',
      'ETCD_INITIAL_CLUSTER_STATE=new',
      'ETCD_METRICS=basic',
      'ETCD_ELECTION_TIMEOUT=5000',
      'ETCD_HEARTBEAT_INTERVAL=250',
      'ETCD_INITIAL_CLUSTER_TOKEN=k8s_etcd',
      'ETCD_NAME=etcd1',
      'ETCD_PROXY=off',
      '',
      '# TLS settings',
      'ETCD_TRUSTED_CA_FILE=/etc/ssl/etcd/ssl/ca.pem',
      'ETCD_CERT_FILE=/etc/ssl/etcd/ssl/member-node1.pem',
      'ETCD_CLIENT_CERT_AUTH=true',
      '',
    ].join('\n');

    it('replaces membership variables in place and keeps tuning, TLS and comments', () => {
      const merged = mergeEnvFile(kubespray, {
        ETCD_NAME: 'etcd4',
        ETCD_INITIAL_CLUSTER_STATE: 'existing',
        ETCD_DATA_DIR: '/data/etcd',
      });
      const lines = merged.split('\n');
      assert.equal(lines[0], '# Ansible managed');
      assert.equal(lines[1], 'ETCD_DATA_DIR=/data/etcd');
      assert.equal(lines[3], 'ETCD_INITIAL_CLUSTER_STATE=existing');
      assert.equal(lines[8], 'ETCD_NAME=etcd4');
      for (const kept of [
        'ETCD_ELECTION_TIMEOUT=5000',
        'ETCD_HEARTBEAT_INTERVAL=250',
        'ETCD_METRICS=basic',
        '# TLS settings',
        'ETCD_CERT_FILE=/etc/ssl/etcd/ssl/member-node1.pem',
        'ETCD_CLIENT_CERT_AUTH=true',
      ]) {
        assert.ok(lines.includes(kept), `lost ${kept}`);
      }
      assert.equal(
        lines.length,
        kubespray.split('\n').length,
        'nothing appended',
      );
      assert.ok(merged.endsWith('=true\n'));
      assert.ok(!merged.includes('etcd-scaleout'));
    });

    it('appends missing variables after a marker comment', () => {
      const merged = mergeEnvFile('ETCD_METRICS=basic\n# keep me\n', {
        ETCD_NAME: 'etcd4',
        ETCD_INITIAL_CLUSTER: 'etcd1=http://a:2380,etcd4=http://b:2380',
      });
      assert.equal(
        merged,
        'ETCD_METRICS=basic\n# keep me\n# membership written by etcd-scaleout\nETCD_NAME=etcd4\nETCD_INITIAL_CLUSTER=etcd1=http://a:2380,etcd4=http://b:2380\n',
      );
      assert.equal(
        mergeEnvFile('', { ETCD_NAME: 'etcd4' }),
        '# membership written by etcd-scaleout\nETCD_NAME=etcd4\n',
      );
    });

    it('replaces the first of duplicate assignments and comments out the others', () => {
      const merged = mergeEnvFile(
        'ETCD_NAME=old\nETCD_METRICS=basic\n  export ETCD_NAME="older"\n',
        { ETCD_NAME: 'etcd4' },
      );
      assert.equal(
        merged,
        'ETCD_NAME=etcd4\nETCD_METRICS=basic\n#   export ETCD_NAME="older" (duplicate, superseded by etcd-scaleout)\n',
      );
      assert.equal(parseEnvFile(merged).ETCD_NAME, 'etcd4');
    });

    it('is idempotent', () => {
      const vars = memberEnv(
        request().newMembers[0],
        'etcd1=http://127.0.24.11:2380,etcd4=http://127.0.24.14:2380',
        '/var/lib/etcd',
      );
      const once = mergeEnvFile(kubespray, vars);
      assert.equal(mergeEnvFile(once, vars), once);
      const parsed = parseEnvFile(once);
      for (const [k, v] of Object.entries(vars)) assert.equal(parsed[k], v, k);
      assert.equal(parsed.ETCD_ELECTION_TIMEOUT, '5000');
    });

    it('builds the membership variables of a new member', () => {
      const m = request().newMembers[0];
      assert.deepEqual(memberEnv(m, 'IC', '/var/lib/etcd'), {
        ETCD_NAME: 'etcd4',
        ETCD_DATA_DIR: '/var/lib/etcd',
        ETCD_INITIAL_ADVERTISE_PEER_URLS: 'http://127.0.24.14:2380',
        ETCD_ADVERTISE_CLIENT_URLS: 'http://127.0.24.14:2379',
        ETCD_LISTEN_PEER_URLS: 'http://127.0.24.14:2380',
        ETCD_LISTEN_CLIENT_URLS: 'http://127.0.24.14:2379',
        ETCD_INITIAL_CLUSTER: 'IC',
        ETCD_INITIAL_CLUSTER_STATE: 'existing',
        ETCD_INITIAL_CLUSTER_TOKEN: 'k8s_etcd',
      });
    });

    it('parses quotes, export, comments and = inside values', () => {
      const env = parseEnvFile(
        [
          '# comment=ignored',
          'A=plain',
          'B="double quoted"',
          "C='single quoted'",
          'export D=exported',
          '  E = spaced',
          'ETCD_INITIAL_CLUSTER=etcd1=http://a:2380,etcd2=http://b:2380',
          'F=',
          'not an assignment',
          'G="unbalanced',
        ].join('\n'),
      );
      assert.deepEqual(env, {
        A: 'plain',
        B: 'double quoted',
        C: 'single quoted',
        D: 'exported',
        ETCD_INITIAL_CLUSTER: 'etcd1=http://a:2380,etcd2=http://b:2380',
        F: '',
        G: '"unbalanced',
      });
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
        /start etcd-main; wait for catch-up \(deadline 300s\); promote \(voters 4, quorum 3, tolerates 1 failure\(s\)\)/,
      );
      assert.match(
        lines[3],
        /^4\. batch etcd5 \(127\.0\.24\.15\):.*promote \(voters 5, quorum 3, tolerates 2 failure\(s\)\)/,
      );
      assert.equal(
        lines[4],
        `5. result: 3 -> 5 members; --etcd-servers=${[1, 2, 3, 4, 5].map(client).join(',')}`,
      );
    });
  });
});
