import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/worker';
import { expectedWait } from '../../../src/activities/etcd/errors';
import { ExpectedWaitLogger } from '../../../src/worker/logging';

function capture(): {
  logger: Logger;
  lines: Array<{ level: LogLevel; message: string; meta?: LogMetadata }>;
} {
  const lines: Array<{ level: LogLevel; message: string; meta?: LogMetadata }> =
    [];
  const log = (level: LogLevel, message: string, meta?: LogMetadata) =>
    lines.push({ level, message, meta });
  const logger: Logger = {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
  return { logger, lines };
}

const attempt = {
  activityType: 'addLearner',
  attempt: 3,
  workflowId: 'scaleout-lab-21-T1',
  durationMs: 12,
};

describe('worker log: expected waits', () => {
  it("logs etcd's unhealthy-cluster refusal as one info line, without the error object", () => {
    const { logger, lines } = capture();
    // The SDK logs a benign failure at DEBUG.
    new ExpectedWaitLogger(logger).debug('Activity failed', {
      ...attempt,
      error: expectedWait(
        'etcd refused to add etcd5: unhealthy cluster (a voter is down or restarted in the last 5 s)',
        'ClusterUnhealthy',
      ),
    });
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, 'INFO');
    assert.equal(
      lines[0].message,
      'waiting, will retry: addLearner attempt 3 of scaleout-lab-21-T1: ClusterUnhealthy: etcd refused to add etcd5: unhealthy cluster (a voter is down or restarted in the last 5 s)',
    );
    assert.equal(lines[0].meta, undefined);
  });

  it('passes other failures through as the SDK logged them', () => {
    const { logger, lines } = capture();
    const error = ApplicationFailure.retryable(
      'cluster lab-77 is unhealthy, not adding etcd5: etcd3: connect ECONNREFUSED',
      'ClusterUnhealthy',
    );
    new ExpectedWaitLogger(logger).warn('Activity failed', {
      ...attempt,
      error,
    });
    new ExpectedWaitLogger(logger).info('Worker state changed', {
      state: 'RUNNING',
    });
    assert.deepEqual(
      lines.map((l) => [l.level, l.message]),
      [
        ['WARN', 'Activity failed'],
        ['INFO', 'Worker state changed'],
      ],
    );
    assert.equal(lines[0].meta?.error, error);
  });
});
