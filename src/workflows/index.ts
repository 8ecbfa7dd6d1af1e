/**
 * The workflows the worker runs (the bundle's entry point). The folders, by concept:
 *   scaleOut/  scaleOutEtcd: scaleOut.ts is the runbook; its own phases preflight, approval, result;
 *              rollback.ts is the scale-out's rollback (it runs run/compensations.ts's undo stack).
 *   scaleIn/   scaleInEtcd: scaleIn.ts is the runbook; preflight.ts its reads.
 *   steps/     the steps every workflow calls: validate, clusterLock, backup, joinMember (+ nodeEnv) and
 *              its undo (undoJoin, undoByHand), removeMember, tellApiservers, updateMemberEnvFiles.
 *   run/       a run's bookkeeping: run.ts (phase, progress), compensations, messages (query, update,
 *              signals), liveView, memberProgress, activityPolicies, searchAttributes, notify, helpers.
 */
export * from './run/messages';
export type { ScaleInResult } from './scaleIn/scaleIn';
export { scaleInEtcd } from './scaleIn/scaleIn';
export type { MemberSummary, ScaleOutResult } from './scaleOut/result';
export { scaleOutEtcd } from './scaleOut/scaleOut';
