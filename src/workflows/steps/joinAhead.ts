/**
 * The next node's preparation while a member catches up. A node's preparation (a stale data dir moved
 * aside, its certificates issued and checked, its env file written for the planned member list) changes
 * only that node, never etcd's membership, so it need not wait for the member before it: it starts when
 * that member's learner starts catching up (a wait of its own, up to minutes on a large database) and
 * is awaited just before the next member's add. The member changes stay strictly one at a time.
 *
 * Its undo is registered before its first change, as every join's is; since it was registered after the
 * catching-up member's, a rollback undoes it first. A failure while preparing ahead is raised only at
 * that member's turn, after the member before it has finished (verified or failed) on its own: no
 * activity is left running while the run moves on, and a rollback waits for every preparation started
 * (`settled`), so no node is changed while the undos run.
 *
 * The canary's node (the first step) is prepared the same way beside the backup (`first`, called by
 * scaleOut.ts once the lock is held): the backup changes nothing either, and the canary always comes
 * right after it. A node prepared at its own turn (the first after an approval, the canary in runs
 * started before that, a replacement's node) writes its env file after its add, as before. Runs
 * started before this existed replay without it (`patched`).
 */
import { patched } from '@temporalio/workflow';
import type { ScaleOutPlan } from '../../domain/planning';
import type { ScaleOutRequest } from '../../domain/request/request';
import type { Run } from '../run/run';
import { type PreparedJoin, prepareJoin } from './joinMember';
import type { PreparedNode } from './nodeEnv';

const PREPARE_AHEAD = 'prepare-next-node-while-one-catches-up';

export class Preparations {
  private readonly started = new Map<number, Promise<PreparedJoin>>();
  private readonly enabled: boolean;

  /**
   * `acrossStages`: the batch's first node may be prepared while the canary catches up (false when
   * an approval gate stands between them: nothing of the batch happens before the approval).
   */
  constructor(
    private readonly run: Run,
    private readonly request: ScaleOutRequest,
    private readonly plan: ScaleOutPlan,
    private readonly nodes: PreparedNode[],
    private readonly acrossStages: boolean,
  ) {
    this.enabled = patched(PREPARE_AHEAD);
  }

  /** Step `i` catches up: step i+1's preparation starts, if there is one and it may start now. */
  next(i: number): void {
    const step = this.plan.steps[i + 1];
    if (step && step.stage !== this.plan.steps[i].stage && !this.acrossStages)
      return;
    this.start(i + 1);
  }

  /**
   * The canary's node, prepared from now on beside the backup (the run's next activity), and taken at
   * its turn like any node prepared ahead. Its env file is then written before its add, so the add is
   * followed at once by the start: without it the write (~0.1 s) and one more workflow task lay between
   * them, on the path every scale-out waits for. Safe for the same reasons as the batch's: only the node
   * changes, its undo is registered before its first change, a failure is raised at the canary's turn,
   * and a failed backup waits for it (`settled`) and then undoes it. What it gives up, as every node
   * prepared ahead does: an add refused because a member with its peer URL was added by someone else
   * meanwhile stops the rollback at that member (its remove is refused too), so the env file's restore
   * is then among the steps the failure lists as left by hand.
   */
  first(): void {
    if (this.plan.steps[0]?.stage === 'canary') this.start(0);
  }

  /** Step `j`'s preparation, started now (once; not in runs that replay the older code). */
  private start(j: number): void {
    const step = this.plan.steps[j];
    if (!this.enabled || !step || this.started.has(j)) return;
    const track = this.run.member(step.member.peerURL);
    const prepared = prepareJoin(this.run, this.request, step, this.nodes[j], {
      track,
      ahead: true,
      envAhead: true,
    }).catch((err: unknown) => {
      // Raised at its turn (take), naming the step that failed as the run's step then.
      throw new FailedAhead(err, () => track.raiseFailedAhead());
    });
    // Until take(j) awaits it, a failure must not count as unhandled.
    prepared.catch(() => undefined);
    this.started.set(j, prepared);
  }

  /** Step `i`'s node, prepared: the preparation started ahead, or one made now. */
  async take(i: number): Promise<PreparedJoin> {
    const step = this.plan.steps[i];
    const ahead = this.started.get(i);
    // Prepared at its turn: its env file after its add, as before (nothing to overlap it with, and a
    // failed add then leaves no file of this run behind, even when the undo cannot remove a member it
    // finds was not added by this run).
    if (!ahead)
      return prepareJoin(this.run, this.request, step, this.nodes[i], {
        track: this.run.member(step.member.peerURL),
        ahead: false,
        envAhead: false,
      });
    try {
      return await ahead;
    } catch (err) {
      if (!(err instanceof FailedAhead)) throw err;
      err.raise();
      throw err.cause;
    }
  }

  /** Every preparation started ahead, ended: call before a rollback, so none still changes a node. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.started.values());
  }
}

/** A preparation's failure, kept until its turn; `raise` names its step as the run's. */
class FailedAhead {
  constructor(
    readonly cause: unknown,
    readonly raise: () => void,
  ) {}
}
