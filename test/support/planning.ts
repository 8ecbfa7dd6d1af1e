/**
 * The planning tests' members and requests (test/unit/planning-*.test.ts): etcdN on 127.0.24.(10+N),
 * as etcd's member list reports it, and requests edited from the sample request.
 */
import assert from 'node:assert/strict';
import { type MemberInfo, PlanError } from '../../src/domain/planning';
import {
  formatErrors,
  type ScaleOutRequest,
  validateRequest,
} from '../../src/domain/request/request';
import { sampleRequest } from './badRequests';

export type Req = Record<string, any>;

export const ip = (n: number) => `127.0.24.${10 + n}`;
export const peer = (n: number) => `http://${ip(n)}:2380`;
export const client = (n: number) => `http://${ip(n)}:2379`;
/** A started voting member etcdN as etcd's member list reports it. */
export const voter = (n: number): MemberInfo => ({
  id: String(10_000_000_000_000_000_000n + BigInt(n)),
  name: `etcd${n}`,
  peerURLs: [peer(n)],
  clientURLs: [client(n)],
  isLearner: false,
});
export const three = (): MemberInfo[] => [1, 2, 3].map(voter);

export function request(edit: (r: Req) => void = () => {}): ScaleOutRequest {
  const r = sampleRequest();
  edit(r);
  const v = validateRequest(r);
  if (!v.ok) assert.fail(formatErrors(v.errors));
  return v.request;
}

/** New members etcd4..etcd(3+count). */
export const newMembers = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    name: `etcd${4 + i}`,
    host: ip(4 + i),
    peerURL: peer(4 + i),
    clientURL: client(4 + i),
  }));

export function planError(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PlanError, `not a PlanError: ${err}`);
    return err;
  }
  return assert.fail('did not throw');
}
