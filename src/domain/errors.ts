/**
 * Failure type names. Each is an `ApplicationFailure` type that operators, the CLI and the tests
 * match on. Non-retryable types are listed so the workflow's retry policies agree with the activities.
 */
export const ErrorType = {
  InvalidRequest: 'InvalidRequest',
  PreflightFailed: 'PreflightFailed',
  StaleDataDir: 'StaleDataDir',
  HostKeyRejected: 'HostKeyRejected',
  SshFailed: 'SshFailed',
  ClusterUnhealthy: 'ClusterUnhealthy',
  MemberIdCollision: 'MemberIdCollision',
  LearnerPresent: 'LearnerPresent',
  MemberMissing: 'MemberMissing',
  ServiceStartFailed: 'ServiceStartFailed',
  CatchUpTimeout: 'CatchUpTimeout',
  PromoteTimeout: 'PromoteTimeout',
  VerifyFailed: 'VerifyFailed',
  SnapshotFailed: 'SnapshotFailed',
  RemoteCommandFailed: 'RemoteCommandFailed',
  ScaleOutFailed: 'ScaleOutFailed',
  ApprovalRejected: 'ApprovalRejected',
  ApprovalTimedOut: 'ApprovalTimedOut',
  Cancelled: 'Cancelled',
  NotifyFailed: 'NotifyFailed',
} as const;

export const NON_RETRYABLE: string[] = [
  ErrorType.InvalidRequest,
  ErrorType.PreflightFailed,
  ErrorType.StaleDataDir,
  ErrorType.HostKeyRejected,
  ErrorType.LearnerPresent,
  ErrorType.MemberMissing,
  ErrorType.CatchUpTimeout,
  ErrorType.PromoteTimeout,
];
