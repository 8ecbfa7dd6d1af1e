/**
 * The undo of one member's join, registered before its first change. It remembers which changes were
 * attempted and undoes only those, in the order that never costs quorum: remove the member first (a
 * removed member cannot cost quorum, a stopped voter can), then stop its service and move its data dir
 * aside, then put the node's env file back, then remove the certificates it issued (exactly those). Each
 * step is recorded as it completes.
 */
import type { NewMember, ScaleOutRequest } from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { activitySummary } from '../run/messages';
import type { Run } from '../run/run';
import { sshTarget } from '../run/sshTarget';
import { UndoByHand } from './undoByHand';

export interface JoinUndo {
  /** Marks a change as attempted: from then on, a rollback undoes it. */
  attempting(change: 'certs' | 'add' | 'env' | 'start'): void;
}

/**
 * `stamp` names the quarantined data dir; `runKey` names the env file's saved original;
 * `issuedManifest` lists the certificate files and folders this run created on the node.
 */
export function registerJoinUndo(
  run: Run,
  request: ScaleOutRequest,
  member: NewMember,
  names: { stamp: string; runKey: string; issuedManifest?: string },
  onUndone: () => void,
): JoinUndo {
  const attempted = { certs: false, add: false, env: false, start: false };
  const target = sshTarget(request, member);
  const { service, dataDir, envFile } = request.node;
  const byHand = new UndoByHand(request, member, names); // safety: what is left if the undo stops half-way
  run.compensations.register(
    `undo ${member.name}`,
    async (record) => {
      const undo = activities(
        'compensate',
        request.strategy,
        activitySummary('rollback', member.name),
      );
      if (attempted.add) {
        const r = await undo.removeMember(request.cluster, member.peerURL);
        record(
          r.removed
            ? `removed member ${member.name} (${r.id})`
            : `member ${member.name} was not in the cluster`,
        );
        byHand.done('remove');
      }
      if (attempted.start) {
        await undo.stopService(target, service);
        record(`stopped ${service} on ${member.host}`);
        byHand.done('stop');
        byHand.done('dropIn'); // stopService removes a drop-in the start left behind
        const q = await undo.quarantineDataDir(
          target,
          dataDir,
          `${names.stamp}-rollback`,
        );
        if (q.movedTo) record(`quarantined ${q.movedTo}`);
        byHand.done('quarantine');
      }
      if (attempted.env) {
        const r = await undo.restoreEnvFile(target, envFile, names.runKey);
        record(`env file ${envFile} on ${member.host}: ${r.restored}`);
        byHand.done('restore');
      }
      if (attempted.certs && names.issuedManifest) {
        const r = await undo.removeIssuedCertificates(
          target,
          names.issuedManifest,
        );
        record(
          `certificates on ${member.host}: ${r.removed.length ? `removed ${r.removed.join(', ')}` : 'none created'}`,
        );
        byHand.done('certs');
      }
      onUndone();
    },
    (failure) => byHand.steps(failure),
  );
  return {
    attempting: (change) => {
      attempted[change] = true;
      byHand.need(change);
    },
  };
}
