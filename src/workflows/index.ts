/**
 * The workflows the worker runs (the bundle's entry point). The folders, by concept:
 *   scaleOut/  scaleOutEtcd: scaleOut.ts is the runbook; its own phases preflight, result.
 *   scaleIn/   scaleInEtcd: scaleIn.ts is the runbook; preflight.ts its reads.
 *   replace/   replaceEtcdMember: replace.ts is the runbook (both paths, the point of no return);
 *              preflight.ts its reads; replacing.ts its state, undoable list rollouts, what is left.
 *   steps/     the steps every workflow calls: validate, clusterLock, backup, inspectNewNodes,
 *              joinMember (+ nodeEnv, joinAhead: the next node prepared while one catches up) and
 *              its undo (undoJoin, undoByHand), removeMember,
 *              tellApiservers, updateMemberEnvFiles, approval; rollback.ts runs the undo stack
 *              (run/compensations.ts) on a failure.
 *   run/       a run's bookkeeping: run.ts (phase, progress), compensations, messages (query, update,
 *              signals), liveView, memberProgress, activityPolicies, searchAttributes, notify, helpers.
 */
export type { ReplaceResult } from './replace/replace';
export { replaceEtcdMember } from './replace/replace';
export * from './run/messages';
export type { ScaleInResult } from './scaleIn/scaleIn';
export { scaleInEtcd } from './scaleIn/scaleIn';
export type { MemberSummary, ScaleOutResult } from './scaleOut/result';
export { scaleOutEtcd } from './scaleOut/scaleOut';
