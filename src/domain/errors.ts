/**
 * Failure type names. Each is an `ApplicationFailure` type that operators, the CLI and the tests
 * match on. Non-retryable types are listed so the workflow's retry policies agree with the activities.
 */
export const ErrorType = {
  InvalidRequest: 'InvalidRequest',
  /** The cluster has no profile on the worker, and the worker refuses inline settings. */
  ProfileMissing: 'ProfileMissing',
  /** The cluster's profile on the worker cannot be read or breaks the rules: the operator's to fix. */
  ProfileInvalid: 'ProfileInvalid',
  /** The request sets what the cluster's profile owns, and the worker refuses inline settings. */
  InlineSettingRefused: 'InlineSettingRefused',
  PreflightFailed: 'PreflightFailed',
  StaleDataDir: 'StaleDataDir',
  /** A key, certificate or known_hosts file named in the request cannot be read on the worker. */
  CredentialsUnreadable: 'CredentialsUnreadable',
  HostKeyRejected: 'HostKeyRejected',
  /** The node refused the SSH key. */
  SshAuthRejected: 'SshAuthRejected',
  SshFailed: 'SshFailed',
  ClusterUnhealthy: 'ClusterUnhealthy',
  /** An etcd call failed for a reason etcd did not name (connection refused, deadline, ...). */
  EtcdRequestFailed: 'EtcdRequestFailed',
  MemberIdCollision: 'MemberIdCollision',
  LearnerPresent: 'LearnerPresent',
  MemberMissing: 'MemberMissing',
  /** A new member's certificates (or the CA that would issue them) are not usable, found during the join. */
  CertificateRefused: 'CertificateRefused',
  /** The new member's env file cannot be derived for the member list found during the join. */
  EnvRefused: 'EnvRefused',
  ServiceStartFailed: 'ServiceStartFailed',
  CatchUpTimeout: 'CatchUpTimeout',
  PromoteTimeout: 'PromoteTimeout',
  VerifyFailed: 'VerifyFailed',
  SnapshotFailed: 'SnapshotFailed',
  /** backup.dir on the worker cannot hold the snapshot: an operator frees space or points it elsewhere. */
  BackupSpaceLow: 'BackupSpaceLow',
  RemoteCommandFailed: 'RemoteCommandFailed',
  ScaleOutFailed: 'ScaleOutFailed',
  ApprovalRejected: 'ApprovalRejected',
  ApprovalTimedOut: 'ApprovalTimedOut',
  Cancelled: 'Cancelled',
  NotifyFailed: 'NotifyFailed',
  /** Another open run holds the cluster's scale-out lock (one scale-out per cluster, whatever the entry). */
  ScaleOutLocked: 'ScaleOutLocked',
  /** A member with the new peer URL exists that this run did not add: never taken over, never removed. */
  MemberNotOurs: 'MemberNotOurs',
  /** etcd refused a request for a reason a retry does not change (permission, invalid argument, ...). */
  EtcdRequestRefused: 'EtcdRequestRefused',
  /** A command on a node failed the same way each time (permission, read-only file system, missing file). */
  RemoteCommandRefused: 'RemoteCommandRefused',
  /** A kube-apiserver manifest that cannot be edited safely (no or several --etcd-servers, changed meanwhile). */
  ManifestRefused: 'ManifestRefused',
  /**
   * kubeadm's copy of the etcd list (a node's kubeadm-config.yaml, the kubeadm-config ConfigMap) cannot be
   * edited safely: no or several ClusterConfigurations, no etcd.external.endpoints, the ConfigMap refused.
   */
  KubeadmConfigRefused: 'KubeadmConfigRefused',
  /** A kube-apiserver did not run with the expected --etcd-servers and answer /readyz ok (etcd included) in time. */
  ApiserverNotReady: 'ApiserverNotReady',
  /**
   * The run's failure when telling the kube-apiservers stopped at a node: that node's manifest was put
   * back; the etcd members stay (healthy, and the old list still reaches them).
   */
  ApiserverRolloutFailed: 'ApiserverRolloutFailed',
  /** The member ID planned for removal now names another peer URL: nothing is removed. */
  MemberMismatch: 'MemberMismatch',
  /** A scale-in stopped: the members removed so far stay removed (never re-added); the error says what is left. */
  ScaleInFailed: 'ScaleInFailed',
  /**
   * A replacement stopped: before its point of no return (the old member's removal) everything was
   * undone; after it, the cluster is healthy at the size it reached and the error says what is left.
   */
  ReplaceFailed: 'ReplaceFailed',
} as const;

export const NON_RETRYABLE: string[] = [
  ErrorType.InvalidRequest,
  ErrorType.ProfileMissing,
  ErrorType.ProfileInvalid,
  ErrorType.InlineSettingRefused,
  ErrorType.PreflightFailed,
  ErrorType.StaleDataDir,
  ErrorType.CredentialsUnreadable,
  ErrorType.HostKeyRejected,
  ErrorType.SshAuthRejected,
  ErrorType.LearnerPresent,
  ErrorType.MemberMissing,
  ErrorType.CertificateRefused,
  ErrorType.EnvRefused,
  ErrorType.CatchUpTimeout,
  ErrorType.PromoteTimeout,
  ErrorType.ScaleOutLocked,
  ErrorType.MemberNotOurs,
  ErrorType.BackupSpaceLow,
  ErrorType.EtcdRequestRefused,
  ErrorType.RemoteCommandRefused,
  ErrorType.ManifestRefused,
  ErrorType.KubeadmConfigRefused,
  ErrorType.ApiserverNotReady,
  ErrorType.ApiserverRolloutFailed,
  ErrorType.MemberMismatch,
];
