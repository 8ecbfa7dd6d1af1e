/**
 * What is left to do by hand when a member's undo stops half-way: each change attempted adds its undo
 * step, written as the command an operator runs and where; each step done takes it off. The failure of
 * the run lists what is left, so nobody has to work it out from the history.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { ErrorType } from '../../domain/errors';
import type { NewMember, ScaleOutRequest } from '../../domain/request/request';
import { dropInDir, JOIN_DROP_IN } from '../../domain/run/joinDropIn';

export type UndoStep =
  | 'remove'
  | 'stop'
  | 'dropIn'
  | 'quarantine'
  | 'restore'
  | 'certs';

export class UndoByHand {
  private readonly left = new Map<UndoStep, string>();

  constructor(
    private readonly request: ScaleOutRequest,
    private readonly member: NewMember,
    private readonly names: {
      stamp: string;
      runKey: string;
      issuedManifest?: string;
    },
  ) {}

  /** The undo steps a change needs, once it has been attempted. */
  need(change: 'add' | 'env' | 'start' | 'certs'): void {
    const { service, dataDir, envFile } = this.request.node;
    const on = `on ${this.member.host}`;
    if (change === 'add')
      this.left.set(
        'remove',
        `remove the member with peer URL ${this.member.peerURL} (etcdctl member list; etcdctl member remove <its ID>)`,
      );
    if (change === 'start') {
      this.left.set('stop', `${on}: systemctl stop ${service}`);
      // The start removes its drop-in itself; one stays only if its shell was killed first, until the
      // next boot (/run is a tmpfs).
      this.left.set(
        'dropIn',
        `${on}: if ${dropInDir(service)}/${JOIN_DROP_IN} exists (the join's start timeout), rm it and systemctl daemon-reload`,
      );
      this.left.set(
        'quarantine',
        `${on}: mv ${dataDir}/member ${dataDir}/member.quarantined-${this.names.stamp}-rollback`,
      );
    }
    if (change === 'certs' && this.names.issuedManifest)
      this.left.set(
        'certs',
        `${on}: remove the files listed in ${this.names.issuedManifest} (certificates this run issued), then the manifest`,
      );
    if (change === 'env')
      this.left.set(
        'restore',
        `${on}: put back ${envFile} from ${envFile}.${this.names.runKey}.bak (or remove it if ${envFile}.${this.names.runKey}.absent exists)`,
      );
  }

  done(step: UndoStep): void {
    this.left.delete(step);
  }

  /**
   * In the order the undo runs them: remove first (never costs quorum), the env file last. A member
   * that turned out not to be this run's (MemberNotOurs) is not for this run's operator to remove.
   */
  steps(failure?: unknown): string[] {
    const inner = failure instanceof ActivityFailure ? failure.cause : failure;
    if (
      inner instanceof ApplicationFailure &&
      inner.type === ErrorType.MemberNotOurs
    )
      this.left.delete('remove');
    return (
      ['remove', 'stop', 'dropIn', 'quarantine', 'restore', 'certs'] as const
    ).flatMap((s) => this.left.get(s) ?? []);
  }
}
