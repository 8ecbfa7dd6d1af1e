/**
 * The run's bookkeeping, kept out of the runbook: its progress (the `progress` query), its phase
 * (the ScaleOutPhase search attribute), its live view in the UI (current details), the decision
 * awaited at the approval gate, and its rollback plan.
 */
import {
  ApplicationFailure,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { ErrorType } from '../../domain/errors';
import type { ScaleOutPlan } from '../../domain/planning';
import type { ClusterSettings } from '../../domain/request/request';
import { causeOf } from './causeOf';
import { Compensations } from './compensations';
import { liveView } from './liveView';
import { MemberTracker } from './memberProgress';
import {
  type Decision,
  type Phase,
  type Progress,
  progressQuery,
} from './messages';
import { memberJoined, phaseEnded, phaseEntered } from './metrics';
import {
  EtcdCluster,
  RequestedBy,
  ScaleOutPhase,
  TicketId,
} from './searchAttributes';

/** Runs recorded before this ended as CANCELED when cancelled in validate; they replay unchanged. */
const CANCELLED_BEFORE_ANY_CHANGE = 'cancelled-in-validate-fails-as-cancelled';

export class Run {
  readonly progress: Progress = {
    phase: 'validate',
    members: [],
    undone: [],
    approval: { required: false, state: 'not-required' },
    startedAt: new Date().toISOString(),
  };
  readonly compensations = new Compensations();
  decision?: Decision;
  /** When the current phase began (workflow time, ms): its duration and its since-gauge (./metrics.ts). */
  private phaseSinceMs = 0;

  constructor() {
    setHandler(progressQuery, () => this.progress);
    this.setPhase('validate');
  }

  /** Re-renders the live view; called after every change to the progress. */
  changed(): void {
    setCurrentDetails(liveView(this.progress));
  }

  setPhase(phase: Phase): void {
    const left = this.progress.phase;
    if (phase !== left || !this.phaseSinceMs) this.phaseMetrics(left, phase);
    this.progress.phase = phase;
    upsertSearchAttributes([{ key: ScaleOutPhase, value: phase }]);
    this.changed();
  }

  /**
   * The phase left gets its duration, the phase entered its since-gauge. Entered times only grow
   * (+1 ms for phases begun in the same workflow task), so a run's highest series is its current phase.
   */
  private phaseMetrics(left: Phase, entered: Phase): void {
    const now = Math.max(Date.now(), this.phaseSinceMs + 1);
    if (this.phaseSinceMs && left !== 'failed')
      phaseEnded(
        left,
        now - this.phaseSinceMs,
        (entered === 'rollback' || entered === 'failed') && left !== 'rollback',
      );
    this.phaseSinceMs = now;
    phaseEntered(entered, now);
  }

  /** The run's last phase ends with the run (done's own reads and notify; failed is not timed). */
  ended(): void {
    const { phase } = this.progress;
    if (phase !== 'failed')
      phaseEnded(phase, Date.now() - this.phaseSinceMs, false);
  }

  async phase<T>(phase: Phase, body: () => Promise<T>): Promise<T> {
    this.setPhase(phase);
    this.setStep(undefined);
    return body();
  }

  setStep(step: string | undefined): void {
    this.progress.step = step;
    this.changed();
  }

  /**
   * Marks the run failed (for the UI's phase filter) if `body` throws, and rethrows. A cancel here
   * (validate reads the cluster's profile) fails the run as Cancelled, as a cancel in any later phase
   * does, instead of ending it as CANCELED: one outcome for every cancelled scale-out.
   */
  async failOnThrow<T>(body: () => Promise<T>): Promise<T> {
    const { phase } = this.progress;
    try {
      return await body();
    } catch (err) {
      this.setPhase('failed');
      if (isCancellation(err) && patched(CANCELLED_BEFORE_ANY_CHANGE)) {
        // Worded as steps/rollback.ts words a cancel in a later phase.
        const cause = causeOf(err);
        throw ApplicationFailure.create({
          type: ErrorType.Cancelled,
          message: `scale-out failed in ${phase} (cancelled): ${cause}; nothing had changed`,
          details: [
            {
              failedStep: phase,
              cause,
              undone: [],
              notUndone: [],
            },
          ],
          nonRetryable: true,
          cause: err instanceof Error ? err : undefined,
        });
      }
      throw err;
    }
  }

  /** Runs started from the UI's form may lack these: set them once the request is valid, so visibility finds every run. */
  identify(request: ClusterSettings): void {
    this.progress.cluster = request.cluster.name;
    upsertSearchAttributes([
      { key: EtcdCluster, value: request.cluster.name },
      ...(request.ticket ? [{ key: TicketId, value: request.ticket.id }] : []),
      ...(request.ticket?.requestedBy
        ? [{ key: RequestedBy, value: request.ticket.requestedBy }]
        : []),
    ]);
    this.changed();
  }

  /** The members to add, in order, from the plan preflight accepted. */
  planned(plan: ScaleOutPlan): void {
    this.progress.from = plan.from;
    this.progress.to = plan.to;
    this.progress.members = plan.steps.map((s) => ({
      name: s.member.name,
      peerURL: s.member.peerURL,
      clientURL: s.member.clientURL,
      stage: s.stage,
      state: 'pending',
      timings: {},
    }));
    this.changed();
  }

  member(peerURL: string): MemberTracker {
    const p = this.progress.members.find((m) => m.peerURL === peerURL);
    if (!p) throw new Error(`no planned member with peer URL ${peerURL}`);
    return new MemberTracker(
      p,
      (step) => this.setStep(step),
      () => this.changed(),
      (ms) => memberJoined(p.stage, ms),
    );
  }

  /** Names of the planned members by peer URL: etcd lists a member added but not yet started without one. */
  knownNames(): Record<string, string> {
    return Object.fromEntries(
      this.progress.members.map((m) => [m.peerURL, m.name]),
    );
  }
}
