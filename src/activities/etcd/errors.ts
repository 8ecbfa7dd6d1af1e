/**
 * The one classifier of etcd's refusals. etcd answers membership calls with gRPC errors whose codes
 * are coarse (the same FAILED_PRECONDITION for "not in sync yet" and "not a learner at all") and the
 * npm etcd3 client has no class per membership error, so the refusal is recognised by etcd's own
 * text, which has been the same from 3.4 to 3.7. What each refusal means for this runbook is written
 * in docs/etcd-behaviour.md.
 *
 * Matching on text rather than on the gRPC code is also what lets one rule hold across versions where
 * the code moved: `rpc not supported for learner` is UNAVAILABLE up to etcd 3.5 and FAILED_PRECONDITION
 * from 3.6 on (etcd3 raises GRPCUnavailableError or GRPCFailedPreconditionError), with the same text
 * and the same meaning, so both are accepted.
 */
import {
  ApplicationFailure,
  ApplicationFailureCategory,
} from '@temporalio/common';
import * as etcdErrors from 'etcd3';
import { ErrorType } from '../../domain/errors';

export type EtcdRefusal =
  | 'unhealthy-cluster'
  | 'too-many-learners'
  | 'learner-not-in-sync'
  | 'not-a-learner'
  | 'peer-url-exists'
  | 'member-not-found'
  | 'member-id-exists'
  | 'learner-rpc-unsupported';

interface Rule {
  refusal: EtcdRefusal;
  text: string;
}

/** In matching order: a text that contains another (the in-sync refusal) comes before it. */
const RULES: readonly Rule[] = [
  // Strict reconfiguration check: a voter is down or unstarted, or the member asked has had its peer
  // connections for less than 5 s (after any member (re)starts). Waiting is the cure.
  { refusal: 'unhealthy-cluster', text: 'etcdserver: unhealthy cluster' },
  // etcd allows one learner at a time (3.6+: --max-learners, default 1).
  { refusal: 'too-many-learners', text: 'too many learner members in cluster' },
  // Promotion before the learner's log is within 90 % of the leader's: retry later.
  {
    refusal: 'learner-not-in-sync',
    text: 'can only promote a learner member which is in sync with leader',
  },
  // Promotion of a member that is a voter already: an earlier promotion succeeded.
  { refusal: 'not-a-learner', text: 'can only promote a learner member' },
  // An add of a peer URL that is a member already: an earlier add succeeded.
  { refusal: 'peer-url-exists', text: 'Peer URLs already exists' },
  // An unknown or removed member ID: the member is gone already, or a re-add drew a removed ID.
  { refusal: 'member-not-found', text: 'member not found' },
  // A re-add within the second of a removal drew the removed member's ID (ID = hash(peer URLs, unix second)).
  { refusal: 'member-id-exists', text: 'member ID already exist' },
  // A linearizable read or a write sent to a learner (UNAVAILABLE up to 3.5, FAILED_PRECONDITION from 3.6).
  { refusal: 'learner-rpc-unsupported', text: 'rpc not supported for learner' },
];

export const errorText = (err: unknown): string =>
  err instanceof Error ? err.message : String(err);

/** Which refusal of etcd this error is, or undefined for any other failure (network, deadline, ...). */
export function classifyEtcdError(err: unknown): EtcdRefusal | undefined {
  const text = errorText(err).toLowerCase();
  return RULES.find((r) => text.includes(r.text.toLowerCase()))?.refusal;
}

/**
 * A retryable failure for a condition the runbook expects and waits out (etcd's strict reconfig
 * wait). It is marked benign, so the worker logs it as one info line rather than a warning with a
 * stack trace (see src/worker/logging.ts); it is retried like any other retryable failure.
 */
export function expectedWait(
  message: string,
  type: string,
): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: false,
    category: ApplicationFailureCategory.BENIGN,
  });
}

/**
 * A wait that has run out: past `until` (epoch ms, computed once in the workflow so retries keep it),
 * the failure becomes non-retryable and says so. The activity decides, not the schedule-to-close
 * timeout: a timeout that fires during an attempt reaches the workflow without the attempt's cause,
 * and "which member is down" is what the operator needs.
 */
export function giveUpAfter(
  failure: ApplicationFailure,
  until: number | undefined,
): ApplicationFailure {
  if (until === undefined || Date.now() < until) return failure;
  return ApplicationFailure.create({
    message: `${failure.message} (still so at the deadline ${new Date(until).toISOString()})`,
    type: failure.type ?? undefined,
    nonRetryable: true,
  });
}

export function isExpectedWait(err: unknown): err is ApplicationFailure {
  return (
    err instanceof ApplicationFailure &&
    err.category === ApplicationFailureCategory.BENIGN
  );
}

/**
 * etcd's answers that a retry does not change: the request itself is wrong or not allowed (bad
 * argument, no permission, a precondition no rule above names). Everything else (unavailable,
 * deadline, connection refused, etcd3's open circuit breaker) is transient.
 */
const DETERMINISTIC: ReadonlyArray<new (...args: never[]) => Error> = [
  etcdErrors.GRPCInvalidArgumentError,
  etcdErrors.GRPCAlreadyExistsError,
  etcdErrors.GRPCFailedPreconditionError,
  etcdErrors.GRPCNotFoundError,
  etcdErrors.GRPCNotImplementedError,
  etcdErrors.GRPCOutOfRangeError,
  etcdErrors.GRPCUnauthenticatedError,
  etcdErrors.EtcdPermissionDeniedError,
  etcdErrors.EtcdAuthenticationFailedError,
  etcdErrors.EtcdInvalidAuthTokenError,
  etcdErrors.EtcdRoleNotGrantedError,
];

export function isTransientEtcdError(err: unknown): boolean {
  return !DETERMINISTIC.some((kind) => err instanceof kind);
}

/** An etcd call's failure, typed: retried only when transient (EtcdRequestFailed), else EtcdRequestRefused. */
export function etcdFailure(message: string, err: unknown): ApplicationFailure {
  const text = `${message}: ${errorText(err)}`;
  return isTransientEtcdError(err)
    ? ApplicationFailure.retryable(text, ErrorType.EtcdRequestFailed)
    : ApplicationFailure.nonRetryable(text, ErrorType.EtcdRequestRefused);
}
