import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import {
  GRPCFailedPreconditionError,
  GRPCNotFoundError,
  GRPCUnavailableError,
} from 'etcd3';
import {
  classifyEtcdError,
  expectedWait,
  giveUpAfter,
  isExpectedWait,
} from '../../../../src/activities/etcd/errors';

describe("etcd's refusals, classified", () => {
  // etcd's own texts; grpc-js prefixes them with the status code and name.
  const cases: Array<[string, ReturnType<typeof classifyEtcdError>]> = [
    ['etcdserver: unhealthy cluster', 'unhealthy-cluster'],
    ['etcdserver: too many learner members in cluster', 'too-many-learners'],
    [
      'etcdserver: can only promote a learner member which is in sync with leader',
      'learner-not-in-sync',
    ],
    ['etcdserver: can only promote a learner member', 'not-a-learner'],
    ['etcdserver: Peer URLs already exists', 'peer-url-exists'],
    ['etcdserver: member not found', 'member-not-found'],
    ['etcdserver: member ID already exist', 'member-id-exists'],
    ['etcdserver: rpc not supported for learner', 'learner-rpc-unsupported'],
  ];

  for (const [text, refusal] of cases) {
    it(`"${text}" is ${refusal}`, () => {
      assert.equal(classifyEtcdError(new Error(text)), refusal);
      assert.equal(
        classifyEtcdError(new Error(`9 FAILED_PRECONDITION: ${text}`)),
        refusal,
        'with the gRPC prefix',
      );
      assert.equal(classifyEtcdError(text), refusal, 'a bare string');
    });
  }

  it('tells "not in sync yet" from "not a learner", though one text contains the other', () => {
    assert.equal(
      classifyEtcdError(
        new GRPCFailedPreconditionError(
          '9 FAILED_PRECONDITION: etcdserver: can only promote a learner member which is in sync with leader',
        ),
      ),
      'learner-not-in-sync',
    );
    assert.equal(
      classifyEtcdError(
        new GRPCFailedPreconditionError(
          '9 FAILED_PRECONDITION: etcdserver: can only promote a learner member',
        ),
      ),
      'not-a-learner',
    );
  });

  it('accepts the learner-RPC refusal as UNAVAILABLE (etcd <= 3.5) and as FAILED_PRECONDITION (etcd >= 3.6)', () => {
    assert.equal(
      classifyEtcdError(
        new GRPCUnavailableError(
          '14 UNAVAILABLE: etcdserver: rpc not supported for learner',
        ),
      ),
      'learner-rpc-unsupported',
    );
    assert.equal(
      classifyEtcdError(
        new GRPCFailedPreconditionError(
          '9 FAILED_PRECONDITION: etcdserver: rpc not supported for learner',
        ),
      ),
      'learner-rpc-unsupported',
    );
  });

  it('classifies the etcd3 client error classes by their text', () => {
    assert.equal(
      classifyEtcdError(
        new GRPCUnavailableError(
          '14 UNAVAILABLE: etcdserver: unhealthy cluster',
        ),
      ),
      'unhealthy-cluster',
    );
    assert.equal(
      classifyEtcdError(
        new GRPCNotFoundError('5 NOT_FOUND: etcdserver: member not found'),
      ),
      'member-not-found',
    );
  });

  it('leaves other failures unclassified', () => {
    for (const text of [
      '14 UNAVAILABLE: No connection established',
      '4 DEADLINE_EXCEEDED: Deadline exceeded',
      'connect ECONNREFUSED 127.0.0.1:2379',
      'cluster lab-1 is unhealthy, not adding etcd5',
    ]) {
      assert.equal(classifyEtcdError(new Error(text)), undefined, text);
    }
  });

  it('marks an expected wait so the worker can log it as one info line, and retries it', () => {
    const wait = expectedWait(
      'etcd refused to add etcd4: unhealthy cluster',
      'ClusterUnhealthy',
    );
    assert.equal(wait.type, 'ClusterUnhealthy');
    assert.equal(wait.nonRetryable, false);
    assert.ok(isExpectedWait(wait));
    assert.ok(
      !isExpectedWait(
        ApplicationFailure.retryable('member add failed', 'EtcdRequestFailed'),
      ),
    );
    assert.ok(!isExpectedWait(new Error('etcdserver: unhealthy cluster')));
  });

  it('a wait that ran past its deadline fails for good, with the same type and the cause kept', () => {
    const wait = () =>
      ApplicationFailure.retryable(
        'cluster lab is unhealthy, not adding etcd5: etcd3: connection refused',
        'ClusterUnhealthy',
      );
    assert.equal(giveUpAfter(wait(), undefined).nonRetryable, false);
    assert.equal(giveUpAfter(wait(), Date.now() + 60_000).nonRetryable, false);
    const late = giveUpAfter(wait(), Date.now() - 1);
    assert.equal(late.nonRetryable, true);
    assert.equal(late.type, 'ClusterUnhealthy');
    assert.match(
      late.message,
      /^cluster lab is unhealthy, not adding etcd5: etcd3: connection refused \(still so at the deadline /,
    );
  });
});
