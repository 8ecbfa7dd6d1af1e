export { scaleOutEtcd } from './scaleOut';
export * from './messages';
export type { ScaleOutResult, MemberSummary } from './result';
