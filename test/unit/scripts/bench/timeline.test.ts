import assert from 'node:assert/strict';
import {
  type ActivitySpan,
  sequenceLines,
  workflowTaskTimes,
} from '../../../../scripts/bench/timeline';

const at = (ms: number) => ({
  eventTime: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
});

describe('bench timeline', () => {
  it('counts each workflow task once it completes, with its wait for a worker and its run', () => {
    const t = workflowTaskTimes([
      { ...at(1_000), workflowTaskScheduledEventAttributes: {} },
      { ...at(1_004), workflowTaskStartedEventAttributes: {} },
      { ...at(1_014), workflowTaskCompletedEventAttributes: {} },
      { ...at(1_100) }, // an activity's events between tasks
      { ...at(1_200), workflowTaskScheduledEventAttributes: {} },
      { ...at(1_203), workflowTaskStartedEventAttributes: {} },
      { ...at(1_220), workflowTaskCompletedEventAttributes: {} },
      // A task started but not completed (its worker died): its wait counts, its run does not.
      { ...at(1_300), workflowTaskScheduledEventAttributes: {} },
      { ...at(1_302), workflowTaskStartedEventAttributes: {} },
    ]);
    assert.deepEqual(t, { count: 2, waitMs: 9, runMs: 27 });
  });

  it('lists the activities in the order scheduled, an open one as open, then the result', () => {
    const spans: ActivitySpan[] = [
      { type: 'inspectCluster', start: 80, end: 130, attempts: 1, waited: 0 },
      { type: 'addLearner', start: 412, end: 522, attempts: 2, waited: 1000 },
      {
        type: 'startService',
        start: 600,
        end: Number.NaN,
        attempts: 1,
        waited: 0,
      },
    ];
    assert.equal(
      sequenceLines(spans, 1935),
      [
        '  +0.080 -> +0.130  inspectCluster',
        '  +0.412 -> +0.522  addLearner (2 attempts)',
        '  +0.600 ->   open  startService',
        '  +1.935           result',
      ].join('\n'),
    );
  });
});
