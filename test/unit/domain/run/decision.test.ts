/** The one check every entry point applies to a decision at the approval gate (domain/run/decision.ts). */
import assert from 'node:assert/strict';
import { decisionProblem } from '../../../../src/domain/run/decision';

describe('a decision at the approval gate', () => {
  it('is accepted with a plain reason, and without one', () => {
    assert.equal(
      decisionProblem({
        approve: true,
        by: 'alice',
        reason: 'canary healthy for 10 min',
      }),
      undefined,
    );
    assert.equal(decisionProblem({ approve: false, by: 'alice' }), undefined);
  });

  it('refuses control and bidirectional characters in the reason and in by, naming the field (issue 17)', () => {
    for (const reason of [
      'fine\u202Eenil',
      'line\nbreak',
      'nel\u0085here',
      'isolate\u2066x\u2069',
      'bell\u0007',
    ])
      assert.equal(
        decisionProblem({ approve: true, by: 'alice', reason }),
        'reason: must not contain control, bidirectional-override or line-separator characters',
        JSON.stringify(reason),
      );
    assert.equal(
      decisionProblem({ approve: true, by: 'ali\u202Eecb' }),
      'by: must not contain control, bidirectional-override or line-separator characters',
    );
  });
});
