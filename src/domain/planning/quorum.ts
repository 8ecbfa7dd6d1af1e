/**
 * Quorum math every plan shares: a member as etcd lists it, the quorum and fault tolerance of a
 * number of voters, and the error a plan refuses with (naming the field and the numbers).
 */

/** A member as etcd's member list reports it (IDs are decimal strings of 64-bit numbers). */
export interface MemberInfo {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export const quorum = (voters: number): number => Math.floor(voters / 2) + 1;
/** How many voters may fail while the cluster keeps quorum. */
export const faultTolerance = (voters: number): number =>
  voters - quorum(voters);

export interface SizeStep {
  voters: number;
  quorum: number;
  faultTolerance: number;
}

export class PlanError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PlanError';
  }
}

/** The plan, or undefined with its refusal added to `problems` (preflight reports every problem at once). */
export function planOrProblem<T>(
  problems: string[],
  plan: () => T,
): T | undefined {
  try {
    return plan();
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    problems.push(err.message);
    return undefined;
  }
}

export const size = (voters: number): SizeStep => ({
  voters,
  quorum: quorum(voters),
  faultTolerance: faultTolerance(voters),
});

/** "3 voters (quorum 2, tolerates 1 failure)": how every refusal and plan line states a size. */
export const describeSize = (voters: number): string =>
  `${voters} voter${voters === 1 ? '' : 's'} (quorum ${quorum(voters)}, tolerates ${faultTolerance(voters)} failure${faultTolerance(voters) === 1 ? '' : 's'})`;
