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
 * A node prepared at its own turn (the first, or the first after an approval) writes its env file after
 * its add, as before. Runs started before this existed replay without it (`patched`).
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
    const j = i + 1;
    const step = this.plan.steps[j];
    if (!this.enabled || !step || this.started.has(j)) return;
    if (step.stage !== this.plan.steps[i].stage && !this.acrossStages) return;
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
    // Prepared at its turn: its env file after its add, as always (nothing to overlap it with, and a
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
