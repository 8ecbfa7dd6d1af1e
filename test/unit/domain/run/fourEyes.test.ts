/**
 * Four eyes (strategy.fourEyes, issue 17): the requester may not decide their own run; the setting
 * needs an approval gate and a requester to tell apart.
 */
import assert from 'node:assert/strict';
import { validateRequest } from '../../../../src/domain/request/request';
import { decisionProblem } from '../../../../src/domain/run/decision';
import { sampleRequest } from '../../../support/badRequests';

describe('four eyes', () => {
  it('refuses a decision by the requester, in any spelling, and accepts another approver', () => {
    for (const by of ['alice', 'Alice', ' alice '])
      assert.match(
        decisionProblem({ approve: true, by }, undefined, 'alice') ?? '',
        /^by: .*requested this run, and strategy\.fourEyes needs the decision of someone else/,
        by,
      );
    assert.equal(
      decisionProblem({ approve: true, by: 'bob' }, ['alice', 'bob'], 'alice'),
      undefined,
    );
    assert.equal(
      decisionProblem({ approve: false, by: 'alice' }, ['alice']),
      undefined,
      'without four eyes the requester may decide, as before',
    );
  });

  it('needs the approval gate and the requester, naming each field', () => {
    const r = sampleRequest();
    r.strategy = { ...r.strategy, fourEyes: true };
    r.ticket = { id: 'LAB-1' };
    const v = validateRequest(r);
    assert.equal(v.ok, false);
    if (v.ok) return;
    assert.deepEqual(v.errors.map((e) => e.field).sort(), [
      'strategy.fourEyes',
      'ticket.requestedBy',
    ]);
    r.strategy.approval = 'after-canary';
    r.ticket.requestedBy = 'alice';
    const ok = validateRequest(r);
    assert.ok(ok.ok, JSON.stringify(ok));
    if (ok.ok) assert.equal(ok.request.strategy.fourEyes, true);
    const off = validateRequest(sampleRequest());
    assert.ok(off.ok && off.request.strategy.fourEyes === false);
  });
});
