export * from './messages';
export type { MemberSummary, ScaleOutResult } from './result';
export type { ScaleInResult } from './scaleIn';
export { scaleInEtcd } from './scaleIn';
export { scaleOutEtcd } from './scaleOut';
