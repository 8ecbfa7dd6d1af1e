/**
 * One member's join as the progress query and the live view show it: its state, step and timings.
 * The join's steps (joinMember.ts) only name themselves; what each step's completion means for the
 * member's record is written here, once.
 */
import type { AddedLearner } from '../../activities';
import type { MemberProgress } from './messages';

/** The join's steps and what each returns (only the results the record uses are typed). */
export interface JoinStepResults {
  quarantineDataDir: { movedTo: string | null };
  issueCertificates: unknown;
  checkCertificates: unknown;
  addLearner: AddedLearner;
  writeEnvFile: unknown;
  startService: unknown;
  /** `promoted`: the catch-up ended with etcd accepting the promotion (runs of the older code: absent). */
  waitForCatchUp: { promoted?: boolean };
  promoteMember: unknown;
  verifyCluster: unknown;
}
export type JoinStepName = keyof JoinStepResults;

const now = () => new Date().toISOString();

const promoted = (p: MemberProgress) => {
  p.state = 'promoted';
  p.timings.promotedAt = now();
};

/** What the member's record gains when a step completes; `startedMs` is when its join began. */
const ON_COMPLETE: {
  [K in JoinStepName]?: (
    p: MemberProgress,
    result: JoinStepResults[K],
    startedMs: number,
  ) => void;
} = {
  quarantineDataDir: (p, r) => {
    p.quarantined = r.movedTo ?? undefined;
  },
  addLearner: (p, r) => {
    p.id = r.id;
    p.timings.addedAt = now();
  },
  startService: (p) => {
    p.timings.serviceStartedAt = now();
    p.state = 'catching-up';
  },
  waitForCatchUp: (p, r) => {
    p.timings.caughtUpAt = now();
    if (r.promoted) promoted(p);
  },
  promoteMember: (p) => promoted(p),
  verifyCluster: (p, _, startedMs) => {
    p.state = 'verified';
    p.timings.verifiedAt = now();
    p.timings.totalMs = Date.now() - startedMs;
  },
};

export class MemberTracker {
  private startedMs = 0;
  /**
   * Preparing ahead (steps/joinAhead.ts): the member's node is prepared while the member before it
   * catches up. Its steps then leave the run's current step (the member being joined) as it is, and
   * the member stays "pending" until its join begins.
   */
  private ahead = false;
  /** The step that failed while preparing ahead, named as the run's step when that failure is raised. */
  private failedAhead?: JoinStepName;

  /** `setStep` names the run's current step; `changed` re-renders the live view. */
  constructor(
    private readonly p: MemberProgress,
    private readonly setStep: (step: string) => void,
    private readonly changed: () => void,
    /** Told the join's time once the member is verified (the run's metrics). */
    private readonly joined: (ms: number) => void = () => undefined,
  ) {}

  begin(): void {
    this.ahead = false;
    this.startedMs = Date.now();
    this.p.state = 'adding';
    this.p.timings.startedAt = now();
    this.changed();
  }

  /** From now until begin(), steps are the preparation ahead (see `ahead`). */
  prepareAhead(): void {
    this.ahead = true;
  }

  /** A preparation ahead that failed is raised now: the run's step names it (the failure's step). */
  raiseFailedAhead(): void {
    if (this.failedAhead) this.setStep(`${this.p.name}: ${this.failedAhead}`);
  }

  get begun(): boolean {
    return this.startedMs !== 0;
  }

  async step<K extends JoinStepName>(
    name: K,
    body: () => Promise<JoinStepResults[K]>,
  ): Promise<JoinStepResults[K]> {
    if (!this.ahead) this.setStep(`${this.p.name}: ${name}`);
    let result: JoinStepResults[K];
    try {
      result = await body();
    } catch (err) {
      if (this.ahead) this.failedAhead = name;
      throw err;
    }
    ON_COMPLETE[name]?.(this.p, result, this.startedMs);
    if (name === 'verifyCluster' && this.p.timings.totalMs !== undefined)
      this.joined(this.p.timings.totalMs);
    this.changed();
    return result;
  }

  rolledBack(): void {
    this.p.state = 'rolled-back';
    this.changed();
  }
}
