/** The audit report's shape: what one run did, from its history alone. */

import type { BackupRecord } from '../activities/backup';
import type { FlatFailure } from '../client/failure';
import type { ProfileLookup } from '../domain/profile/profileResolution';

export type RunStatus =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'TIMED_OUT'
  | 'CONTINUED_AS_NEW';

/** A failure as the report shows it (the client's one flattened form). */
export type AuditFailure = FlatFailure;

export interface AuditPhase {
  phase: string;
  at: string;
  /** When the next phase began (absent for the current/last phase). */
  until?: string;
  durationMs?: number;
}

export type ActivityOutcome =
  | 'completed'
  | 'failed'
  | 'timed-out'
  | 'cancelled'
  | 'pending';

export interface AuditActivity {
  activityId: string;
  name: string;
  /** The phase summary the workflow gave the activity (user metadata), e.g. "canary etcd4". */
  summary?: string;
  scheduledAt: string;
  /** Start of the last attempt. */
  startedAt?: string;
  closedAt?: string;
  durationMs?: number;
  /** Attempts made (1 when it succeeded first time; unknown attempts of a pending activity count as 0). */
  attempts: number;
  outcome: ActivityOutcome;
  failure?: AuditFailure;
  /** The failure of the attempt before the last one, when there were retries. */
  lastRetryFailure?: string;
}

export interface AuditDecision {
  via: 'update' | 'signal';
  decision: 'approve' | 'reject';
  by?: string;
  reason?: string;
  at: string;
  /** The client identity that sent it (Temporal records it; it is not authenticated by this service). */
  identity?: string;
  /** update: accepted by the validator (rejected ones are not in the history); signal: judged like the validator would. */
  status: 'accepted' | 'ignored';
  /** Why a signal was ignored. */
  note?: string;
  /** The phase the run was in when the decision arrived. */
  phase?: string;
  updateId?: string;
}

export interface AuditMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
  healthy?: boolean;
}

export interface AuditReport {
  /** Format version of this report. */
  format: 'etcd-scaleout-audit/1';
  generatedAt: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue?: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
  durationMs?: number;
  historyLength: number;
  /** The client identity that started the run, as Temporal recorded it. */
  startedBy?: string;
  cluster?: string;
  ticket: { id?: string; requestedBy?: string };
  /** Search attributes as of the last event (EtcdCluster, TicketId, RequestedBy, ScaleOutPhase...). */
  searchAttributes: Record<string, unknown>;
  /** The request as the run received it (it holds file paths only, never key material). */
  input: unknown;
  /** What validate read on the worker: the cluster's profile, if it has one, and the inline setting (runs since profiles exist). */
  profile?: ProfileLookup;
  phases: AuditPhase[];
  activities: AuditActivity[];
  approvals: AuditDecision[];
  /** The approval gate as the run reported it in its result, when it completed. */
  approvalGate?: unknown;
  cancelRequests: { at: string; identity?: string; cause?: string }[];
  /** Activities run to undo changes (summary "rollback ..."). */
  compensations: AuditActivity[];
  /** What the workflow says it undid and could not undo (from its failure details). */
  rollback?: {
    failedStep?: string;
    cause?: string;
    undone: string[];
    notUndone: string[];
  };
  backup?: BackupRecord;
  membersBefore?: AuditMember[];
  membersAfter?: AuditMember[];
  outcome: {
    status: RunStatus;
    at?: string;
    result?: unknown;
    failure?: AuditFailure;
    terminatedBy?: string;
  };
}
