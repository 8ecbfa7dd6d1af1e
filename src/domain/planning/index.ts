/**
 * The one planning module: order of joins and removals, quorum math, initial-cluster strings and a
 * member's env variables (the env file's text itself: envFileText.ts). Pure and deterministic; the
 * workflows, the dry run (`etcd-scaleout plan`) and the CLI all use it. One file per concept:
 * quorum.ts (sizes and refusals), addRule.ts (when etcd accepts a member add), memberData.ts (what
 * etcd's list puts into env files), memberOrder.ts (the one order of members in every list),
 * scaleOut.ts, scaleIn.ts, replace.ts.
 */
export * from './addRule';
export * from './memberData';
export * from './memberOrder';
export * from './quorum';
export * from './removal';
export * from './replace';
export * from './scaleIn';
export * from './scaleOut';
