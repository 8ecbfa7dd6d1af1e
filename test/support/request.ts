/**
 * The request validation tests' helpers (test/unit/request-*.test.ts): a request validated or
 * refused, and the sample request on https.
 */
import assert from 'node:assert/strict';
import {
  formatErrors,
  type ScaleOutRequest,
  validateRequest,
} from '../../src/domain/request/request';
import { sampleRequest } from './badRequests';

export type Req = Record<string, any>;

export function valid(raw: unknown): ScaleOutRequest {
  const v = validateRequest(raw);
  if (!v.ok) assert.fail(`refused: ${formatErrors(v.errors)}`);
  return v.request;
}

export function refused(raw: unknown): string {
  const v = validateRequest(raw);
  assert.equal(v.ok, false, 'was accepted');
  return v.ok ? '' : formatErrors(v.errors);
}

/** The sample on https with TLS files, to show the bad cases do not depend on the scheme. */
export function httpsRequest(): Req {
  const r = sampleRequest();
  const to = (u: string) => u.replace(/^http:/, 'https:');
  r.cluster.endpoints = r.cluster.endpoints.map(to);
  for (const m of r.newMembers) {
    m.peerURL = to(m.peerURL);
    m.clientURL = to(m.clientURL);
  }
  r.cluster.tls = {
    caFile: '/etc/ssl/etcd/ssl/ca.pem',
    certFile: '/etc/ssl/etcd/ssl/admin-node1.pem',
    keyFile: '/etc/ssl/etcd/ssl/admin-node1-key.pem',
  };
  return r;
}
