export { scaleOutEtcd, progressQuery } from './scaleOut';
export type { Progress, ScaleOutResult, MemberProgress, Phase } from './scaleOut';
