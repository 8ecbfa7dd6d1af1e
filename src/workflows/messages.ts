/**
 * The workflow's message interface: query `progress`, update `decide`, signals `approve`/`reject`.
 * Clients (CLI, HTTP API, UI) import these definitions; keep the names stable.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BackupRecord } from '../activities/backup';

export type Phase = 'validate' | 'preflight' | 'backup' | 'canary' | 'verify' | 'approval' | 'batch' | 'rollback' | 'done' | 'failed';
export type MemberState = 'pending' | 'adding' | 'catching-up' | 'promoted' | 'verified' | 'rolled-back' | 'failed';

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
  stage: 'canary' | 'batch';
  state: MemberState;
  id?: string;
  quarantined?: string;
  timings: MemberTimings;
}

import type { Decision } from '../domain/decision';

export type { Decision };

export interface ApprovalState {
  required: boolean;
  state: 'not-required' | 'pending' | 'waiting' | 'approved' | 'rejected' | 'timed-out';
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
