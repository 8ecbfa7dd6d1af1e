/**
 * The HTTP API's latency on a run that exists (api-approval.test.ts): its request POSTed again, which
 * must answer 200 with the same run (idempotent), and its status GET, in turn; each call timed alone.
 */
import assert from 'node:assert/strict';
import { call } from './api';

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** `13.6 ms (min 7.9, max 40.6)`: the median of `ms`, and its smallest and largest. */
export const spread = (ms: number[]): string =>
  `${median(ms).toFixed(1)} ms (min ${Math.min(...ms).toFixed(1)}, max ${Math.max(...ms).toFixed(1)})`;

/** `rounds` x (POST /v1/scaleouts with `body` again, GET /v1/scaleouts/{id}): each call's milliseconds. */
export async function repeatLatency(
  body: unknown,
  id: string,
  runId: string,
  rounds: number,
): Promise<{ post: number[]; get: number[] }> {
  const post: number[] = [];
  const get: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    const p = await call('POST', '/v1/scaleouts', { body });
    post.push(performance.now() - t);
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.runId, runId);
    t = performance.now();
    const g = await call('GET', `/v1/scaleouts/${id}`);
    get.push(performance.now() - t);
    assert.equal(g.status, 200, g.text);
  }
  return { post, get };
}
