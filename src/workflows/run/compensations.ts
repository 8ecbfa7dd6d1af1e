/**
 * The rollback plan: the undos registered as the run goes, and their runner. Each undo is registered
 * before the change it undoes (a `member add` whose answer was lost may still have happened) and runs
 * its steps in order; each step is recorded the moment it completes, so an undo that fails half-way
 * still reports what it did undo, and what is left to do by hand. Plain logic: the caller runs it in a non-cancellable scope.
 */

/** Records one completed undo step, e.g. `removed member etcd4 (1234)`. */
export type RecordUndone = (done: string) => void;

export interface Compensation {
  /** What it undoes, e.g. `undo etcd4`; names it in "NOT undone" if it fails. */
  description: string;
  run: (record: RecordUndone) => Promise<void>;
  /** What is left to do by hand if it stops half-way (e.g. `on 10.0.0.14: systemctl stop etcd`). */
  leftByHand?: (failure: unknown) => string[];
}

export interface Outcome {
  undone: string[];
  notUndone: string[];
}

export class Compensations {
  private readonly list: Compensation[] = [];

  register(
    description: string,
    run: Compensation['run'],
    leftByHand?: Compensation['leftByHand'],
  ): void {
    this.list.push({ description, run, leftByHand });
  }

  /** The point of no return: what was registered so far is never undone. */
  forget(): void {
    this.list.length = 0;
  }

  get size(): number {
    return this.list.length;
  }

  get descriptions(): string[] {
    return this.list.map((c) => c.description);
  }

  /**
   * Runs every undo, last registered first; one that fails does not stop the others. `onUndone`
   * sees each step as it completes (the live view); `describe` turns a failure into its cause.
   */
  async runAll(
    describe: (err: unknown) => string,
    onUndone: RecordUndone = () => undefined,
  ): Promise<Outcome> {
    const undone: string[] = [];
    const notUndone: string[] = [];
    for (const c of [...this.list].reverse()) {
      try {
        await c.run((done) => {
          undone.push(done);
          onUndone(done);
        });
      } catch (err) {
        const left = c.leftByHand?.(err) ?? [];
        notUndone.push(
          `${c.description}: ${describe(err)}${left.length ? `; left to do by hand: ${left.join('; ')}` : ''}`,
        );
      }
    }
    return { undone, notUndone };
  }
}
