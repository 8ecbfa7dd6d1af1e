/**
 * The worker's log. The SDK logs every failed activity attempt as a WARN with the error's stack; but
 * some failures are the runbook waiting on purpose (etcd's strict-reconfig refusal for ~5 s after a
 * member starts), retried by design and expected on every run. Those are marked benign where they are
 * raised (src/activities/etcd/errors.ts, the one home of that decision), and logged here as one info
 * line. Every line is one line: metadata is printed compactly after the message.
 */
import { inspect } from 'node:util';
import {
  DefaultLogger,
  type LogEntry,
  type Logger,
  type LogLevel,
  type LogMetadata,
  LogTimestamp,
} from '@temporalio/worker';
import { isExpectedWait } from '../activities/etcd/errors';

/** The SDK's message for a failed activity attempt (@temporalio/worker's activity.js). */
const ACTIVITY_FAILED = 'Activity failed';

function oneLine({ level, message, meta, timestampNanos }: LogEntry): void {
  const { taskToken: _opaque, ...rest } = (meta ?? {}) as Record<
    string,
    unknown
  >;
  const fields = Object.keys(rest).length
    ? ` ${inspect(rest, { breakLength: Infinity, compact: true, depth: 4 })}`
    : '';
  process.stderr.write(
    `${new Date(Number(timestampNanos / 1_000_000n)).toISOString()} [${level}] ${message}${fields}\n`,
  );
}

export class ExpectedWaitLogger implements Logger {
  constructor(private readonly inner: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const error = meta?.error;
    if (message === ACTIVITY_FAILED && isExpectedWait(error)) {
      const { activityType, attempt, workflowId } = meta as {
        activityType?: string;
        attempt?: number;
        workflowId?: string;
      };
      const at = (meta as Record<symbol, unknown>)[LogTimestamp];
      this.inner.log(
        'INFO',
        `waiting, will retry: ${activityType} attempt ${attempt} of ${workflowId}: ${error.type}: ${error.message}`,
        at === undefined ? undefined : { [LogTimestamp]: at },
      );
      return;
    }
    this.inner.log(level, message, meta);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** The worker process's logger (installed with the SDK's Runtime by `runWorker`). */
export const workerLogger = (level: LogLevel = 'INFO'): Logger =>
  new ExpectedWaitLogger(new DefaultLogger(level, oneLine));
