/**
 * Bad input, through the real workflow: each request is refused in the validate phase with a message
 * naming the field, and the cluster's membership and data are unchanged afterwards.
 */
import assert from 'node:assert/strict';
import { Lab } from '../../lab';
import { badRequests } from '../support/badRequests';
import { outcome, startRaw } from '../support/runs';
import { getStack } from '../support/stack';

type Req = Record<string, any>;

describe('bad input through the workflow', () => {
  const lab = new Lab({ block: 24 });
  after(() => lab.stop());

  it('refuses every malformed request in validate, naming the field, and changes nothing', async () => {
    await Promise.all([getStack(), lab.start()]);
    const keys = await lab.seedKeys(20);
    const cases = badRequests(lab.request() as Req);
    assert.ok(cases.length >= 32, `only ${cases.length} bad requests`);
    const outcomes = await Promise.all(
      cases.map(async (c) => ({
        c,
        o: await outcome(await startRaw(c.request)),
      })),
    );
    for (const { c, o } of outcomes) {
      assert.equal(o.ok, false, `${c.name}: was accepted`);
      if (o.ok) continue;
      assert.equal(o.failure.type, 'InvalidRequest', `${c.name}: ${o.message}`);
      assert.equal(o.failure.nonRetryable, true);
      assert.match(o.message, c.field, c.name);
    }
    console.log(`      ${outcomes.length} malformed requests refused`);
    assert.deepEqual(
      await lab.checkInvariants({ members: ['etcd1', 'etcd2', 'etcd3'], keys }),
      [],
    );
  });
});
