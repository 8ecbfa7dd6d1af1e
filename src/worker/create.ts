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
    // Every activity heartbeats while it runs: a killed worker's activity is retried after heartbeatTimeout.
    interceptors: { activity: [keepAlive] },
  });
}
