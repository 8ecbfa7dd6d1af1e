/**
 * Building a worker: the scaleOutEtcd workflow (prebuilt bundle when current), the activities from
 * their dependencies, the heartbeat interceptor, and the namespace's search attributes.
 */
import { type NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';
import { keepAlive } from '../activities/liveness';
import { checkNamespace } from '../client/namespace';
import { taskQueue } from '../config';
import {
  type ConnectOptions,
  resolveTemporalSettings,
  settingsOf,
  type TemporalSettings,
} from '../temporal';
import { connectNativeConnection } from '../temporal/native';
import { ensureSearchAttributes, registerByHand } from './searchAttributes';
import { workflowCode } from './workflowBundle';

export interface WorkerOptions extends ConnectOptions {
  /** A connection made by the caller (tests); else one from the settings (src/temporal). */
  connection?: NativeConnection;
  taskQueue?: string;
  deps?: ActivityDeps;
}

/**
 * Failover when a worker dies (SIGKILL, a lost host), measured on temporal-server in
 * test/integration/production-temporal.test.ts: the run stood still 16.5 s with the SDK's defaults,
 * 5.8 s until the dead attempt's heartbeat timed out and the retry started elsewhere, then 10 s more
 * for the next workflow task, which the server gave to the dead worker's sticky queue and only
 * moved to the shared queue when it timed out (stickyQueueScheduleToStartTimeout, default 10 s).
 *
 * STICKY_QUEUE_TIMEOUT: 3 s. A live worker takes a task from its sticky queue within milliseconds
 * (it always has a poll waiting on it while it has a free workflow-task slot), so 3 s is only ever
 * reached by a dead worker, or by a live one whose slots are all busy or whose process gets no CPU
 * for 3 s. The cost of such a miss: one WORKFLOW_TASK_TIMED_OUT event, and the task runs on any
 * worker from the shared queue after replaying the run's history (a few hundred events, tens of ms);
 * nothing is lost or run twice.
 *
 * HEARTBEAT_THROTTLE: 1 s. The SDK sends at most one heartbeat per 0.8 x heartbeatTimeout by default;
 * the keepAlive interceptor beats every second, so with this cap the server hears each beat, and the
 * heartbeat timeout (src/workflows/run/activityPolicies.ts, 3 s) spans three beats instead of one
 * (the default throttle would leave 0.6 s of slack). One heartbeat call per running activity per
 * second is nothing to the server (a run has one activity at a time).
 */
export const STICKY_QUEUE_TIMEOUT = '3s';
export const HEARTBEAT_THROTTLE = '1s';

/** The settings of `options.connection`, or of the options and the environment. */
function settingsFor(options: WorkerOptions): TemporalSettings {
  const made = options.connection && settingsOf(options.connection);
  const settings = made ?? resolveTemporalSettings(options);
  return options.namespace
    ? { ...settings, namespace: options.namespace }
    : settings;
}

export async function createWorker(
  options: WorkerOptions = {},
): Promise<Worker> {
  const log = Runtime.instance().logger;
  const connection =
    options.connection ?? (await connectNativeConnection(options)).connection;
  const settings = settingsFor({ ...options, connection });
  const namespace = settings.namespace;
  // A missing namespace is fatal, in words that name it (the SDK would only fail its first poll).
  await checkNamespace(connection.workflowService, namespace, settings);
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length)
      log.info(
        `registered search attributes ${added.join(', ')} on namespace ${namespace}`,
      );
  } catch (err) {
    log.warn(
      `could not check or register the search attributes on namespace ${namespace}: ${(err as Error).message}; runs fail at their first phase without them. Register them with: ${registerByHand(namespace, settings)}`,
    );
  }
  const code = workflowCode();
  if ('why' in code)
    log.info(`bundling the workflow code at start-up: ${code.why}`);
  return Worker.create({
    connection,
    namespace,
    taskQueue: options.taskQueue ?? taskQueue(),
    ...('why' in code
      ? { workflowsPath: code.workflowsPath }
      : { workflowBundle: code.workflowBundle }),
    activities: createActivities(options.deps),
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT,
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    // Every activity heartbeats while it runs: a killed worker's activity is retried after heartbeatTimeout.
    interceptors: { activity: [keepAlive] },
  });
}
