/**
 * The client side shared by the CLI, the HTTP API, the demo and the tests: connect, start, read a
 * run's status, list runs, decide, and the error shapes they share.
 */
export { connectClient } from './connection';
export { startScaleOut, InvalidRequestError, type Started } from './start';
export { TemporalRefusedError } from './refusal';
export { checkSameRequest, requestDifferences, RequestConflictError } from './requestConflict';
export { runLabels, runSummary, runStatus, type RunLabels, type RunStatus, type RunSummary } from './runs';
export { listScaleOuts, parseListFilter, scaleOutRunsQuery, visibleRuns, LIST_STATUSES, type ListFilter } from './list';
export { sendDecision, DecisionRefusedError, DECIDE_DEADLINE_MS } from './decide';
export { flattenFailure, rootCause, type FlatFailure } from './failure';
export { GrpcStatus, grpcCode, grpcDetails, isUnreachable } from './grpc';
export { timestampIso, timestampMs } from './timestamps';
