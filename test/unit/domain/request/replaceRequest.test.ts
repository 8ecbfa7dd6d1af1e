/**
 * The replacement request: the replaced member rebuilt on its own machine may keep its endpoint (its
 * name, on the endpoint equal to its client URL); every other new member on an endpoint is refused as
 * before, and so is a scale-out's.
 */
import assert from 'node:assert/strict';
import {
  validateReplaceRequest,
  validateSubmittedReplace,
} from '../../../../src/domain/request/replaceRequest';
import { validateRequest } from '../../../../src/domain/request/request';
import { sampleRequest } from '../../../support/badRequests';

const rebuilt = {
  name: 'etcd2',
  host: '127.0.24.12',
  peerURL: 'http://127.0.24.12:2380',
  clientURL: 'http://127.0.24.12:2379',
};

function replacing(
  newMember: Record<string, unknown>,
  replaceMember = 'etcd2',
): Record<string, any> {
  const r = sampleRequest() as Record<string, any>;
  r.newMembers = [newMember];
  r.replaceMember = replaceMember;
  return r;
}

const messages = (v: {
  ok: boolean;
  errors?: { field: string; message: string }[];
}) => (v.ok ? [] : (v.errors ?? [])).map((e) => `${e.field}: ${e.message}`);

describe('replacement request', () => {
  it('accepts the replaced member rebuilt at its own address, under its own name; the endpoints kept', () => {
    const v = validateReplaceRequest(replacing(rebuilt));
    assert.ok(v.ok, messages(v).join('; '));
    assert.equal(v.request.replaceMember, 'etcd2');
    assert.deepEqual(v.request.cluster.endpoints, [
      'http://127.0.24.11:2379',
      'http://127.0.24.12:2379',
      'http://127.0.24.13:2379',
    ]);
    assert.deepEqual(v.request.newMembers[0], rebuilt);
    const s = validateSubmittedReplace(replacing(rebuilt));
    assert.ok(s.ok, messages(s).join('; '));
  });

  it("refuses another name at the replaced member's address, naming the field and the name to use", () => {
    const [e] = messages(
      validateReplaceRequest(replacing({ ...rebuilt, name: 'etcd9' })),
    );
    assert.match(
      e,
      /^newMembers\[0\]\.clientURL: http:\/\/127\.0\.24\.12:2379 is already one of cluster\.endpoints; only the member replaced \(etcd2\) rebuilt on its own machine may keep its endpoint, and then newMembers\[0\]\.name must be "etcd2"$/,
    );
  });

  it("refuses a name other than replaceMember on any endpoint; which endpoint is the replaced member's is etcd's to say (preflight)", () => {
    const onEtcd3 = {
      name: 'etcd2',
      host: '127.0.24.13',
      peerURL: 'http://127.0.24.13:2380',
      clientURL: 'http://127.0.24.13:2379',
    };
    // the name of one member, the address of another: refused here
    assert.match(
      messages(validateReplaceRequest(replacing(onEtcd3, 'etcd3')))[0],
      /^newMembers\[0\]\.clientURL: .* is already one of cluster\.endpoints/,
    );
    // the replaced member's name on an endpoint: the request cannot tell whose endpoint it is (the
    // endpoints are URLs; etcd maps names to URLs), so the plan refuses it (planning/replace.test.ts)
    assert.ok(validateReplaceRequest(replacing(onEtcd3)).ok);
  });

  it("refuses another port on the rebuilt member's host: one member per host", () => {
    const otherPort = {
      ...rebuilt,
      peerURL: 'http://127.0.24.12:2480',
      clientURL: 'http://127.0.24.12:2479',
    };
    assert.match(
      messages(validateReplaceRequest(replacing(otherPort)))[0],
      /^newMembers\[0\]\.host: 127\.0\.24\.12 is the host of an existing member/,
    );
  });

  it("a scale-out never takes an endpoint, even under an existing member's name", () => {
    const r = sampleRequest() as Record<string, any>;
    r.newMembers = [rebuilt];
    const v = validateRequest(r);
    assert.ok(!v.ok);
    assert.match(
      messages(v)[0],
      /^newMembers\[0\]\.clientURL: http:\/\/127\.0\.24\.12:2379 is already one of cluster\.endpoints$/,
    );
  });

  it('a run started before the rule replays refusing it (replaceAtOwnAddress false)', () => {
    const v = validateReplaceRequest(replacing(rebuilt), {
      newMemberPlaces: true,
      replaceAtOwnAddress: false,
    });
    assert.match(messages(v)[0], /is already one of cluster\.endpoints$/);
  });
});
