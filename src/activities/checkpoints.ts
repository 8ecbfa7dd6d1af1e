/**
 * Named instants inside the activities where a worker crash is most telling: right after a change
 * was made but before Temporal heard of it, in the middle of a stream, during a compensation. The
 * activity factories take a `checkpoint` hook and call it at each of these points; the shipped
 * worker passes none (a no-op). The crash tests start a worker whose hook kills the process at a
 * chosen point, so the recovery is tested at a named instant rather than by timing luck.
 */
export const CHECKPOINTS = [
  'takeSnapshot:start',
  'takeSnapshot:streaming',
  'addLearner:before',
  'addLearner:after-claim',
  'addLearner:after-add',
  'writeEnvFile:after-save',
  'startService:before',
  'startService:after-start',
  'waitForCatchUp:polling',
  'waitForCatchUp:after-promote',
  'promoteMember:after-promote',
  'verifyCluster:after-write',
  'removeMember:before',
  'moveLeaderAway:before',
  'removeMemberById:before',
  'removeMemberById:after-remove',
  'stopService:before',
  'writeApiserverManifest:after-save',
  'writeApiserverManifest:after-write',
  'waitForApiserver:polling',
  'updateMemberEnvFile:after-write',
] as const;

export type Checkpoint = (typeof CHECKPOINTS)[number];
export type CheckpointHook = (name: Checkpoint) => void;

export const noCheckpoint: CheckpointHook = () => undefined;
