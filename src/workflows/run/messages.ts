/**
 * The workflow's message interface: query `progress`, update `decide`, signals `approve`/`reject`.
 * Clients (CLI, HTTP API, UI) import these definitions; keep the names stable.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BackupRecord } from '../../activities/backup';
import type { Decision } from '../../domain/run/decision';

/** The run's phases, in runbook order; each is upserted into the ScaleOutPhase search attribute. */
export const PHASES = [
  'validate',
  'preflight',
  'backup',
  'canary',
  'verify',
  'approval',
  'batch',
  'memberEnvFiles',
  'apiservers',
  'remove',
  'join',
  'rollback',
  'done',
  'failed',
] as const;
export type Phase = (typeof PHASES)[number];

/**
 * The summary each activity carries in the history (user metadata): its phase, and for a member's
 * join or undo the member's name ("canary etcd4", "rollback etcd5"). The audit report parses it back.
 */
export const activitySummary = (
  phase: Phase | 'result' | 'notify',
  member?: string,
): string => (member ? `${phase} ${member}` : phase);
export function parseActivitySummary(summary: string): {
  phase: string;
  member?: string;
} {
  const [phase, member] = summary.split(' ', 2);
  return member ? { phase, member } : { phase };
}
export type MemberState =
  | 'pending'
  | 'adding'
  | 'catching-up'
  | 'promoted'
  | 'verified'
  | 'rolled-back'
  | 'failed';

export interface MemberTimings {
  startedAt?: string;
  addedAt?: string;
  serviceStartedAt?: string;
  caughtUpAt?: string;
  promotedAt?: string;
  verifiedAt?: string;
  totalMs?: number;
}

export interface MemberProgress {
  name: string;
  peerURL: string;
  clientURL: string;
  stage: 'canary' | 'batch' | 'join';
  state: MemberState;
  id?: string;
  quarantined?: string;
  timings: MemberTimings;
}

export type { Decision };

/** One control-plane node's kube-apiserver in the `apiservers` phase (steps/tellApiservers.ts). */
export interface ApiserverProgress {
  host: string;
  state:
    | 'pending'
    | 'writing'
    | 'restarting'
    | 'told'
    | 'unchanged'
    | 'restoring'
    | 'restored'
    | 'failed';
  startedAt?: string;
  /** When it ran with the new list and /readyz said ok (the settle period began). */
  readyAt?: string;
  /** From the write to the end of the settle period. */
  totalMs?: number;
}

export interface ApprovalState {
  required: boolean;
  state:
    | 'not-required'
    | 'pending'
    | 'waiting'
    | 'approved'
    | 'rejected'
    | 'timed-out';
  waitingSince?: string;
  deadline?: string;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
}

export interface Progress {
  phase: Phase;
  /** The step within the phase, e.g. `etcd4: waitForCatchUp`. */
  step?: string;
  cluster?: string;
  from?: number;
  to?: number;
  members: MemberProgress[];
  backup?: BackupRecord;
  approval: ApprovalState;
  /** The control-plane nodes, once the apiservers phase begins (absent without control-plane nodes). */
  apiservers?: ApiserverProgress[];
  undone: string[];
  error?: string;
  startedAt: string;
}

export const progressQuery = defineQuery<Progress>('progress');
/** Validated: unknown approvers and decisions outside the approval phase are rejected with a message. */
export const decideUpdate = defineUpdate<ApprovalState, [Decision]>('decide');
/** The same decision as signals, for the UI's Send Signal form (invalid ones are ignored and logged). */
export const approveSignal = defineSignal<[Decision]>('approve');
export const rejectSignal = defineSignal<[Decision]>('reject');
