export * from './messages';
export type { MemberSummary, ScaleOutResult } from './result';
export { scaleOutEtcd } from './scaleOut';
