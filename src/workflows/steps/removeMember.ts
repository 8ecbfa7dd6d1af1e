/**
 * remove a member: the shared step of the scale-in and the replacement, in Kubernetes' order for
 * "Replacing a failed etcd member":
 *   1. out of every kube-apiserver's --etcd-servers, one control-plane node at a time (tellApiservers
 *      with `remove`; skipped when the caller has told them already);
 *   2. leadership moved away if the member leads (MoveLeader, sent to the leader);
 *   3. `member remove` by the ID etcd gave it (NOT_FOUND: removed already), through endpoints that do
 *      not include it: the point of no return once etcd has removed it, or may have (an answer lost,
 *      a cancel in flight); a removal etcd refused while it still lists the member is not past it;
 *   4. its service stopped and its data dir moved aside when its host answers (Kubespray's unit has
 *      Restart=always: a removed member left running is restarted every 10 s); a host that does not
 *      answer is named in `leftByHand`, it does not fail the step: the cluster is already healthy;
 *   5. the remaining members' env files list only the remaining members (ETCD_INITIAL_CLUSTER, no
 *      restart: steps/updateMemberEnvFiles.ts), so none bootstraps towards the removed one later.
 * Every activity is idempotent, so a retry or a new worker continues where the last one stopped.
 */
import {
  ApplicationFailure,
  CancellationScope,
  patched,
} from '@temporalio/workflow';
import type { SshTarget } from '../../activities';
import { ErrorType } from '../../domain/errors';
import {
  type MemberInfo,
  memberListString,
  type RemovedMember,
} from '../../domain/planning';
import { hostOf } from '../../domain/request/patterns';
import type { ClusterSettings } from '../../domain/request/request';
import { fileSafe } from '../../domain/run/runNames';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { activitySummary } from '../run/messages';
import type { Run } from '../run/run';
import { runKey } from '../run/runKey';
import { hostSshTarget } from '../run/sshTarget';
import { type ApiserversResult, tellApiservers } from './tellApiservers';
import {
  type MemberEnvFilesReport,
  memberEnvBackupSuffix,
  writeMemberEnvFiles,
} from './updateMemberEnvFiles';

export interface MemberRemoval {
  member: RemovedMember;
  /** What the worker reaches the cluster through from this step on (never only this member). */
  endpoints: string[];
  /** The apiservers were told already (a replacement swaps the new member in and this one out at once). */
  apiserversTold?: boolean;
  /** The members that stay once it is removed, in the one order (orderedMembers): their env files get the reduced list. */
  remaining: MemberInfo[];
  /** Names this rollout's saved manifests and env-file originals, unique within the run. */
  rollout: string;
  /** Called once etcd has removed the member, or may have (the caller forgets its undos there). */
  onPointOfNoReturn?: () => void;
}

export interface RemovalOutcome {
  member: string;
  id: string;
  apiservers?: ApiserversResult;
  leadership?: { from?: string; to?: string };
  /** false: etcd no longer listed it (an earlier attempt removed it). */
  removed: boolean;
  serviceStopped: boolean;
  dataDirMovedTo?: string | null;
  memberEnvFiles?: MemberEnvFilesReport;
  /** What is left to do on the member's host, by hand. */
  leftByHand: string[];
}

/** The step's failure before the removal: nothing of etcd changed, the apiservers as reported. */
function notRemoved(
  m: RemovedMember,
  why: string,
  apiservers?: ApiserversResult,
): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.ApiserverRolloutFailed,
    message: `${m.name} was not removed: ${why}`,
    details: [{ member: m.name, id: m.id, apiservers }],
    nonRetryable: true,
  });
}

export async function removeMember(
  run: Run,
  request: ClusterSettings,
  removal: MemberRemoval,
): Promise<RemovalOutcome> {
  const m = removal.member;
  const cluster = { ...request.cluster, endpoints: removal.endpoints };
  const outcome: RemovalOutcome = {
    member: m.name,
    id: m.id,
    removed: false,
    serviceStopped: false,
    leftByHand: [],
  };
  // 1. Out of every apiserver's list first: an apiserver never dials a member that is gone.
  if (!removal.apiserversTold && request.controlPlane?.nodes.length) {
    outcome.apiservers = await tellApiservers(
      run,
      request,
      { remove: m.clientURLs },
      removal.rollout,
    );
    if (outcome.apiservers.told !== 'all')
      throw notRemoved(
        m,
        outcome.apiservers.reason ?? 'not every apiserver was told',
        outcome.apiservers,
      );
  }
  await run.phase('remove', async () => {
    const etcd = activities(
      'changeWhenHealthy',
      request.strategy,
      activitySummary('remove', m.name),
    );
    // 2. Leadership away from it, so its removal costs no election mid-term.
    run.setStep(`${m.name}: moveLeaderAway`);
    const moved = await etcd.moveLeaderAway(cluster, m.id);
    if (moved.moved) outcome.leadership = { from: moved.from, to: moved.to };
    // 3. The point of no return: passed once etcd has removed it, or may have.
    run.setStep(`${m.name}: removeMemberById`);
    const until = Date.now() + request.strategy.healthTimeoutSeconds * 1000;
    try {
      outcome.removed = (
        await etcd.removeMemberById(
          cluster,
          { id: m.id, name: m.name, peerURL: m.peerURLs[0] },
          until,
        )
      ).removed;
    } catch (err) {
      // A refusal (MemberMismatch, permission, unhealthy until the deadline) leaves it listed: the
      // caller's undos still hold. A lost answer or a cancel in flight may have removed it.
      if (
        !patched(REFUSED_REMOVAL_PATCH) ||
        !(await stillListed(request, cluster, m))
      )
        removal.onPointOfNoReturn?.();
      throw err;
    }
    removal.onPointOfNoReturn?.();
    // 4. Its service and data dir, when its host answers.
    await retire(run, request, m, outcome);
    // 5. The remaining members' env files: the reduced list.
    run.setStep(`${m.name}: memberEnvFiles`);
    const files = await writeMemberEnvFiles(
      request,
      removal.remaining.map((r) => ({
        name: r.name,
        peerURLs: r.peerURLs,
        target: hostSshTarget(request, hostOf(r.clientURLs[0])),
      })),
      memberListString(removal.remaining),
      `${memberEnvBackupSuffix(runKey())}-${removal.rollout}`,
    );
    outcome.memberEnvFiles = files;
    outcome.leftByHand.push(...files.leftByHand);
  });
  return outcome;
}

/** Runs before this patch marked the point of no return before `member remove` was sent. */
const REFUSED_REMOVAL_PATCH = 'refused-removal-before-no-return';

/**
 * After a failed `member remove`: does etcd still list the member with its planned peer URL? Asked
 * even when the run is being cancelled; an answer that cannot be had counts as "maybe removed".
 */
async function stillListed(
  request: ClusterSettings,
  cluster: ClusterSettings['cluster'],
  m: RemovedMember,
): Promise<boolean> {
  return CancellationScope.nonCancellable(async () => {
    try {
      const now = await activities(
        'read',
        request.strategy,
        activitySummary('remove', m.name),
      ).inspectCluster(cluster, { linearizable: true }); // a lagging member's list would still show it
      return now.members.some(
        (x) => x.id === m.id && x.peerURLs.includes(m.peerURLs[0]),
      );
    } catch {
      return false;
    }
  });
}

/** Stops the removed member's service and moves its data dir aside; a host that does not answer is left by hand. */
async function retire(
  run: Run,
  request: ClusterSettings,
  m: RemovedMember,
  outcome: RemovalOutcome,
): Promise<void> {
  const host = hostOf(m.peerURLs[0]);
  const target: SshTarget = hostSshTarget(request, host);
  const node = activities(
    'retire',
    request.strategy,
    activitySummary('remove', m.name),
  );
  const { service, dataDir } = request.node;
  run.setStep(`${m.name}: stopService`);
  try {
    await node.stopService(target, service);
    outcome.serviceStopped = true;
  } catch (err) {
    outcome.leftByHand.push(
      `on ${host}: systemctl stop ${service} (${causeOf(err)})`,
    );
    return; // never move the data dir of a process that may still run
  }
  run.setStep(`${m.name}: moveDataDirAside`);
  const stamp = `removed-${fileSafe(m.name)}-${m.id}`;
  try {
    outcome.dataDirMovedTo = (
      await node.quarantineDataDir(target, dataDir, stamp)
    ).movedTo;
  } catch (err) {
    outcome.leftByHand.push(
      `on ${host}: mv ${dataDir}/member ${dataDir}/member.quarantined-${stamp} (${causeOf(err)})`,
    );
  }
}
