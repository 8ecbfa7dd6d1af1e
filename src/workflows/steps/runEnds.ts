/**
 * How every workflow begins and how it ends on a failure, in one place: the decision handlers
 * registered before validate (a decision sent early is refused with the reason), the request validated
 * and the run labelled for visibility, the cluster lock prepared; and on a failure the lock released
 * (never cancelled) and the webhook told, before the typed failure is thrown. Both ends count the run
 * (run/metrics.ts).
 */
import { type ApplicationFailure, log } from '@temporalio/workflow';
import type { ClusterSettings } from '../../domain/request/request';
import { runCompleted, runFailed, runStarted } from '../run/metrics';
import { notify } from '../run/notify';
import { Run } from '../run/run';
import { decisionRules, listenForDecisions } from './approval';
import { ClusterLock } from './clusterLock';

export async function beginRun<R extends ClusterSettings>(
  input: unknown,
  validate: (input: unknown) => Promise<R>,
): Promise<{ run: Run; request: R; lock: ClusterLock }> {
  runStarted();
  const run = new Run();
  const validated: { request?: R } = {};
  listenForDecisions(run, () =>
    validated.request ? decisionRules(validated.request) : {},
  );
  let request: R;
  try {
    request = await run.failOnThrow(() => validate(input));
  } catch (err) {
    runFailed(err);
    throw err;
  }
  validated.request = request;
  run.identify(request);
  return { run, request, lock: new ClusterLock(request) };
}

/** A run about to return its result: counted, its last phase timed. */
export function endCompleted(run: Run): void {
  run.ended();
  runCompleted();
}

/** The lock released and the webhook told, the failure counted; returns `failure` for the caller to throw. */
export async function endFailed(
  request: ClusterSettings,
  lock: ClusterLock,
  failure: ApplicationFailure,
): Promise<ApplicationFailure> {
  const lockWarning = await lock.release('failed');
  if (lockWarning) log.warn(lockWarning);
  await notify(request, {
    outcome: 'failed',
    error: failure.message,
    details: failure.details?.[0],
  });
  runFailed(failure);
  return failure;
}
