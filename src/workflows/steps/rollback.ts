/**
 * rollback: on any failure, the registered undos in reverse, in a non-cancellable scope (a cancelled
 * run must still clean up), each activity retried; then the run's failure, typed, naming the failed
 * step, its cause, what was undone and what was not.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
} from '@temporalio/workflow';
import { ErrorType } from '../../domain/errors';
import type {
  ClusterSettings,
  ScaleOutRequest,
} from '../../domain/request/request';
import { causeOf } from '../run/causeOf';
import type { Outcome } from '../run/compensations';
import type { Run } from '../run/run';

/** Failure types that the run's final error keeps, since they name the cause (the rest become ScaleOutFailed). */
const KEEP_TYPE: string[] = [
  ErrorType.PreflightFailed,
  ErrorType.StaleDataDir,
  ErrorType.CredentialsUnreadable,
  ErrorType.ApprovalRejected,
  ErrorType.ApprovalTimedOut,
  ErrorType.ScaleOutLocked,
  ErrorType.MemberNotOurs,
  ErrorType.ApiserverRolloutFailed,
  ErrorType.KubeadmConfigRefused,
  ErrorType.MemberMismatch,
  ErrorType.Cancelled, // a cancel while an apiserver was being told (steps/tellApiservers.ts)
];

/** Which workflow rolls back: its name in the message, and its failure type when the cause names none. */
export interface RollbackOf {
  operation: string;
  failedType: string;
}
const SCALE_OUT: RollbackOf = {
  operation: 'scale-out',
  failedType: ErrorType.ScaleOutFailed,
};

/** The run's failure type: a kept type of the failure or of the activity failure's cause, else Cancelled or the workflow's own. */
function failureType(err: unknown, failedType: string): string {
  const inner = err instanceof ActivityFailure && err.cause ? err.cause : err;
  if (
    inner instanceof ApplicationFailure &&
    inner.type &&
    KEEP_TYPE.includes(inner.type)
  )
    return inner.type;
  return isCancellation(err) ? ErrorType.Cancelled : failedType;
}

/** "canary (etcd4: startService)" inside a join, else the phase. */
function failedStepOf(run: Run): string {
  const { phase, step } = run.progress;
  return step && (phase === 'canary' || phase === 'batch' || phase === 'join')
    ? `${phase} (${step})`
    : phase;
}

/** The registered undos, last first, in a non-cancellable scope (strategy.rollback "none": none, listed). */
export async function undoAll(
  run: Run,
  request: ClusterSettings,
): Promise<Outcome> {
  const { compensations } = run;
  if (compensations.size === 0) return { undone: [], notUndone: [] };
  if (request.strategy.rollback !== 'all')
    return {
      undone: [],
      notUndone: compensations.descriptions.map(
        (d) => `${d} (strategy.rollback is "none")`,
      ),
    };
  run.setPhase('rollback');
  return CancellationScope.nonCancellable(() =>
    compensations.runAll(causeOf, (done) => {
      run.progress.undone.push(done);
      run.changed();
    }),
  );
}

/** `afterwards`: what the message adds after the undos (a replacement past its point of no return). */
export async function rollback(
  run: Run,
  request: ScaleOutRequest,
  err: unknown,
  of: RollbackOf = SCALE_OUT,
  afterwards?: () => string,
): Promise<ApplicationFailure> {
  const p = run.progress;
  if (p.approval.state === 'waiting') p.approval.state = 'pending';
  const failedStep = failedStepOf(run);
  for (const m of p.members)
    if (m.state !== 'verified' && m.state !== 'pending') m.state = 'failed';
  const cause = causeOf(err);
  p.error = cause;
  const { undone, notUndone } = await undoAll(run, request);
  p.undone = undone;
  run.setPhase('failed');
  const cancelled = isCancellation(err) ? ' (cancelled)' : '';
  const message =
    `${of.operation} of ${request.cluster.name} failed in ${failedStep}${cancelled}: ${cause}` +
    (run.compensations.size
      ? `; undone: ${undone.length ? undone.join('; ') : 'nothing'}`
      : afterwards
        ? ''
        : '; nothing had changed') +
    (notUndone.length ? `; NOT undone: ${notUndone.join('; ')}` : '') +
    (afterwards ? `; ${afterwards()}` : '');
  return ApplicationFailure.create({
    type: failureType(err, of.failedType),
    message,
    details: [{ failedStep, cause, undone, notUndone }],
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}
