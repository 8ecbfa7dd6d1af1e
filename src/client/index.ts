/**
 * The client side shared by the CLI, the HTTP API, the demo and the tests: connect, start, read a
 * run's status, list runs, decide, and the error shapes they share.
 */
export { connectClient } from './connection';
export {
  DECIDE_DEADLINE_MS,
  DecisionRefusedError,
  sendDecision,
} from './decide';
export { type FlatFailure, flattenFailure, rootCause } from './failure';
export { GrpcStatus, grpcCode, grpcDetails, isUnreachable } from './grpc';
export {
  LIST_STATUSES,
  type ListFilter,
  listRuns,
  parseListFilter,
  runsQuery,
  visibleRuns,
} from './list';
export { TemporalRefusedError } from './refusal';
export {
  checkSameRequest,
  RequestConflictError,
  requestDifferences,
} from './requestConflict';
export {
  RUN_KIND,
  RUN_KINDS,
  type RunKind,
  type RunKindSpec,
  runKindOf,
  runKindOfType,
} from './runKinds';
export {
  type RunLabels,
  type RunStatus,
  type RunSummary,
  runLabels,
  runStatus,
  runSummary,
} from './runs';
export {
  type CancelledBy,
  cancelReasonProblem,
  cancelScaleOut,
  describeOrUndefined,
  describeScaleOut,
  mustBeRunning,
  NotAScaleOutError,
  RunEndedError,
  requestCancellation,
  type ScaleOutRun,
} from './scaleOutRun';
export {
  InvalidRequestError,
  type Started,
  type StartOptions,
  startRun,
  startScaleOut,
} from './start';
export { timestampIso, timestampMs } from './timestamps';
