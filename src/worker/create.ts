/**
 * Building a worker: the scaleOutEtcd workflow (prebuilt bundle when current), the activities from
 * their dependencies, the heartbeat interceptor, and the namespace's search attributes.
 */
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';
import { keepAlive } from '../activities/liveness';
import { checkNamespace } from '../client/namespace';
import { taskQueue, temporalAddress, temporalNamespace } from '../config';
import { ensureSearchAttributes, registerByHand } from './searchAttributes';
import { workflowCode } from './workflowBundle';

export interface WorkerOptions {
  connection?: NativeConnection;
  address?: string;
  namespace?: string;
  taskQueue?: string;
  deps?: ActivityDeps;
}

export async function createWorker(
  options: WorkerOptions = {},
): Promise<Worker> {
  const log = Runtime.instance().logger;
  const connection =
    options.connection ??
    (await NativeConnection.connect({
      address: options.address ?? temporalAddress(),
    }));
  const namespace = options.namespace ?? temporalNamespace();
  // A missing namespace is fatal, in words that name it (the SDK would only fail its first poll).
  await checkNamespace(
    connection.workflowService,
    namespace,
    options.address ?? temporalAddress(),
  );
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length)
      log.info(
        `registered search attributes ${added.join(', ')} on namespace ${namespace}`,
      );
  } catch (err) {
    log.warn(
      `could not check or register the search attributes on namespace ${namespace}: ${(err as Error).message}; runs fail at their first phase without them. Register them with: ${registerByHand(namespace)}`,
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
