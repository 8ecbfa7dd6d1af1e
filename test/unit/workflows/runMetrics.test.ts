/** The failure type a failed run is counted under (src/workflows/run/metrics.ts). */
import assert from 'node:assert/strict';
import { ApplicationFailure, CancelledFailure } from '@temporalio/workflow';
import { failureTypeOf } from '../../../src/workflows/run/metrics';

describe('run metrics: failure types', () => {
  it("is the ApplicationFailure's type, Cancelled for a cancel, else the error's class", () => {
    assert.equal(
      failureTypeOf(
        ApplicationFailure.create({ type: 'ScaleOutFailed', message: 'x' }),
      ),
      'ScaleOutFailed',
    );
    assert.equal(failureTypeOf(new CancelledFailure('cancelled')), 'Cancelled');
    assert.equal(failureTypeOf(new TypeError('bug')), 'TypeError');
    assert.equal(failureTypeOf('a string'), 'Unknown');
  });
});
