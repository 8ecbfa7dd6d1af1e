/**
 * The one table of activity timeouts and retries. Every activity the workflow runs goes through a
 * proxy built from one of these policies, so what is retried, how often and for how long is read
 * here and nowhere else.
 *
 * Every activity heartbeats each second while it runs (the worker's keepAlive interceptor), so a
 * killed worker's activity times out after HEARTBEAT_TIMEOUT and is retried on another worker.
 *
 * HEARTBEAT_TIMEOUT: 3 s, three of the worker's one-second beats (src/worker/create.ts sends each:
 * HEARTBEAT_THROTTLE). With it and the worker's 3 s sticky-queue timeout, a run stands still less than
 * 10 s after its worker dies (measured: production-temporal.test.ts). The cost under load: a live
 * worker whose process gets no CPU for ~2 s, or whose heartbeat calls stall that long, loses the
 * attempt: it times out and is retried (on any worker), and the first attempt is cancelled at its next
 * beat. That is safe because every activity is idempotent: the membership changes find their member
 * by peer URL (and the add intent tells this run's add apart), a service start that finds the service
 * running says so, the env file is replaced by rename, the data dir's move counts absent as done, the
 * snapshot resumes from a verified file, and the waits and reads change nothing.
 */
import {
  ActivityCancellationType,
  type ActivityOptions,
  proxyActivities,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { NON_RETRYABLE } from '../../domain/errors';
import type { ScaleOutRequest } from '../../domain/request/request';

type Strategy = ScaleOutRequest['strategy'];

const HEARTBEAT_TIMEOUT = '3s';

/** Exponential backoff from `initialInterval` (1 s); `attempts` 0 means until the schedule-to-close deadline. */
const retry = (
  attempts: number,
  maximumInterval: ActivityOptions['startToCloseTimeout'] = '10s',
  initialInterval: ActivityOptions['startToCloseTimeout'] = '1s',
): ActivityOptions['retry'] => ({
  initialInterval,
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts: attempts > 0 ? attempts : undefined,
  nonRetryableErrorTypes: NON_RETRYABLE,
});

const base: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: retry(5),
};
/** A change is not abandoned on cancel: the undos must run after an in-flight change has ended, not beside it. */
const untilDone: ActivityOptions = {
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};
/**
 * etcd refuses a member add for ~5 s after a member (re)connects: ask again every 0.5 s (from 0.25 s),
 * until healthTimeoutSeconds. The refusal passes by itself at an instant nobody announces, so the
 * interval is how late the add comes after etcd would accept it (a bare script polls every 0.1 s);
 * a retry costs one activity task, and no history event. The server starts a retry no sooner than 1 s
 * after the failure whatever these intervals say (measured: 1.00 s with 250 ms asked), so the add and
 * the verify ask again every 0.1 s inside the attempt for the first seconds (membership.ts, verify.ts)
 * and these retries are what follows. The activity itself gives up at the deadline the workflow
 * passes (healthTimeoutSeconds), naming what is wrong; schedule-to-close is the backstop.
 */
const whileUnhealthy = (s: Strategy): ActivityOptions => ({
  scheduleToCloseTimeout: (s.healthTimeoutSeconds + 60) * 1000,
  retry: retry(0, '500ms', '250ms'),
});

export const ACTIVITY_POLICIES = {
  /** Reads: the cluster, a node. */
  read: (_: Strategy): ActivityOptions => base,
  /**
   * A read whose answer only informs (a member's host in a scale-out's preflight): one attempt, so a
   * host that does not answer is said at once rather than waited for through retries.
   */
  readOnce: (_: Strategy): ActivityOptions => ({
    ...base,
    startToCloseTimeout: '30s',
    retry: retry(1),
  }),
  /** The snapshot: a large stream, resumed from a verified file. */
  backup: (_: Strategy): ActivityOptions => ({
    ...base,
    startToCloseTimeout: '30m',
    retry: retry(3),
  }),
  /** Changes on a node (data dir, env file). */
  change: (_: Strategy): ActivityOptions => ({ ...base, ...untilDone }),
  /** The member add: a change that waits out etcd's health refusals. */
  changeWhenHealthy: (s: Strategy): ActivityOptions => ({
    ...base,
    ...whileUnhealthy(s),
    ...untilDone,
  }),
  /**
   * A joining member's service start: a start that failed is tried once more, then rolled back. The
   * unit may take strategy.startTimeoutSeconds to start (src/activities/node/joinStart.ts), the start
   * command 60 s more (START_COMMAND_MARGIN_MS), the attempt 30 s more than that (the journal's lines
   * of a failed start): 90 s gives the 150 s and 3 min of the starts scheduled before the setting.
   */
  start: (s: Strategy): ActivityOptions => ({
    ...base,
    startToCloseTimeout: s.startTimeoutSeconds * 1000 + 90_000,
    retry: retry(2),
    ...untilDone,
  }),
  /** Catch-up and promotion: they wait inside, up to a deadline the workflow computes; an attempt may last that long. */
  wait: (s: Strategy): ActivityOptions => ({
    ...base,
    startToCloseTimeout: (s.catchUpTimeoutSeconds + 60) * 1000,
    retry: retry(0, '5s'),
    scheduleToCloseTimeout: (s.catchUpTimeoutSeconds + 120) * 1000,
  }),
  /** Verify: retried while the cluster settles after a promotion, until healthTimeoutSeconds. */
  verify: (s: Strategy): ActivityOptions => ({ ...base, ...whileUnhealthy(s) }),
  /**
   * A kube-apiserver's wait: it waits inside up to the deadline the workflow passes (the control
   * plane's readyTimeoutSeconds and settleSeconds, at most 70 min); retried on another worker after a
   * crash, with the same deadline.
   */
  apiserverWait: (_: Strategy): ActivityOptions => ({
    ...base,
    startToCloseTimeout: '75m',
    retry: retry(0, '5s'),
    scheduleToCloseTimeout: '80m',
  }),
  /** A removed member's service and data dir: a few tries, then left by hand (its host may be gone). */
  retire: (_: Strategy): ActivityOptions => ({
    ...base,
    retry: retry(4),
    ...untilDone,
  }),
  /** Undo steps: retried hard, since what is not undone needs an operator. */
  compensate: (_: Strategy): ActivityOptions => ({ ...base, retry: retry(20) }),
  /** The webhook: retried up to ~10 minutes whatever the failure; it never changes the outcome. */
  notify: (_: Strategy): ActivityOptions => ({
    ...base,
    startToCloseTimeout: '30s',
    retry: { ...retry(10, '1m'), nonRetryableErrorTypes: [] },
  }),
} as const;

export type Policy = keyof typeof ACTIVITY_POLICIES;

/**
 * The activities under one policy, each carrying `summary` (its phase, see activitySummary) in the
 * history, e.g. `activities('change', strategy, 'canary etcd4').writeEnvFile(...)`.
 */
export function activities(
  policy: Policy,
  strategy: Strategy,
  summary: string,
) {
  return proxyActivities<Activities>({
    ...ACTIVITY_POLICIES[policy](strategy),
    summary,
  });
}

/** The validate phase's reads, run before the request (and so its strategy) is known. */
export function activitiesBeforeRequest(summary: string) {
  return proxyActivities<Activities>({ ...base, summary });
}
