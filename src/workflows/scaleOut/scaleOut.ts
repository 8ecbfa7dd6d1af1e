/**
 * scaleOutEtcd: the runbook, as a workflow.
 *
 *   validate -> preflight -> (lock) -> backup -> canary -> verify -> [approval] -> batch
 *     -> memberEnvFiles -> [apiservers] -> result
 *
 * Every change is preceded by the registration of its undo; on any failure the undos run in reverse
 * and the run fails naming the failed step and what was undone (steps/rollback.ts). After the last member is
 * verified nothing is undone (finish): the kube-apiservers are then told the new list one control-plane
 * node at a time (steps/tellApiservers.ts), and a node that does not come back is put back as it was
 * and fails the run, the members staying. One run per cluster holds the lock in etcd (clusterLock.ts). The bookkeeping (phase,
 * progress, live view) is in run.ts; timeouts and retries in activityPolicies.ts. Deterministic code
 * only: all I/O is in activities.
 */
import {
  ApplicationFailure,
  isCancellation,
  log,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterState } from '../../activities';
import { type ScaleOutPlan, votersAfterCanary } from '../../domain/planning';
import type { ScaleOutRequest } from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { activitySummary } from '../run/messages';
import { runFailed } from '../run/metrics';
import { notify } from '../run/notify';
import type { Run } from '../run/run';
import { approval } from '../steps/approval';
import { backup } from '../steps/backup';
import type { ClusterLock } from '../steps/clusterLock';
import { Preparations } from '../steps/joinAhead';
import { joinMembers } from '../steps/joinMember';
import { rollback } from '../steps/rollback';
import { beginRun, endCompleted, endFailed } from '../steps/runEnds';
import { type ApiserversResult, tellApiservers } from '../steps/tellApiservers';
import {
  type MemberEnvFilesReport,
  updateMemberEnvFiles,
} from '../steps/updateMemberEnvFiles';
import { validate } from '../steps/validate';
import { preflight } from './preflight';
import {
  readMembersAfter,
  result,
  resultUnread,
  type ScaleOutResult,
} from './result';

export async function scaleOutEtcd(input: unknown): Promise<ScaleOutResult> {
  const { run, request, lock } = await beginRun(input, validate);
  let joined: Joined;
  let preps: Preparations | undefined;
  try {
    const { before, plan, nodes } = await run.phase('preflight', () =>
      preflight(request),
    );
    run.planned(plan);
    await lock.take();
    // The batch's first node may be prepared while the canary catches up, unless an approval stands between.
    const preparations = () =>
      new Preparations(
        run,
        request,
        plan,
        nodes,
        request.strategy.approval !== 'after-canary',
      );
    // The canary's node is prepared beside the backup (joinAhead.ts, `first`): its env file is then
    // written before its add, not between its add and its start. Set in `preps` before the backup
    // starts, so a failed backup waits for it and undoes it.
    if (patched(CANARY_BESIDE_BACKUP)) {
      preps = preparations();
      preps.first();
    }
    run.progress.backup = await run.phase('backup', () => backup(request));
    // Runs recorded before replay as before: their preparations begin after the backup.
    preps ??= preparations();
    const prepared = preps;
    await run.phase('canary', () =>
      joinMembers(run, request, plan, nodes, 'canary', prepared),
    );
    await run.phase('verify', () => verify(request, plan));
    const gate =
      request.strategy.approval === 'after-canary'
        ? await run.phase('approval', () => approval(run, request))
        : 'proceed';
    if (gate === 'proceed')
      await run.phase('batch', () =>
        joinMembers(run, request, plan, nodes, 'batch', prepared),
      );
    joined = { before, plan, keptCanary: gate === 'keep-canary' };
  } catch (err) {
    await preps?.settled(); // no node is being prepared while the undos run
    throw await endFailed(request, lock, await rollback(run, request, err));
  }
  return finish(run, request, lock, joined);
}

interface Joined {
  before: ClusterState;
  plan: ScaleOutPlan;
  keptCanary: boolean;
}

/** Runs recorded before the canary's node was prepared beside the backup replay without it. */
const CANARY_BESIDE_BACKUP = 'prepare-canary-beside-backup';

/** Runs recorded before the memberEnvFiles phase existed replay without it. */
const MEMBER_ENV_FILES = 'member-env-files-phase';
/** Runs that read the member list for the result only in the done phase replay that way (`patched`). */
const MEMBERS_AFTER_EARLY = 'result-member-list-beside-member-env-files';

/**
 * After the last member is verified the scale-out is done and nothing is undone: the existing
 * members' env files are brought up to date (a phase that never fails the run), and the final phase
 * only reads and reports, so a failure or a cancel there becomes a warning in a successful result.
 */
async function finish(
  run: Run,
  request: ScaleOutRequest,
  lock: ClusterLock,
  j: Joined,
): Promise<ScaleOutResult> {
  // The member list for the result, read while the members' env files are written: no member changes
  // after the last verify (the lock is held until the end), so the same list is read, and its read
  // (~0.05 s and a workflow task at the run's end) no longer waits for the phases before it. A failure
  // (or the run's cancel) is met where the done phase awaits it, as before.
  const membersAfter = patched(MEMBERS_AFTER_EARLY)
    ? readMembersAfter(request)
    : undefined;
  membersAfter?.catch(() => undefined); // handled where awaited
  let envFiles: MemberEnvFilesReport | undefined;
  if (patched(MEMBER_ENV_FILES))
    envFiles = await run.phase('memberEnvFiles', () =>
      updateMemberEnvFiles(request, j.before, j.plan, run.progress),
    );
  let apiservers: ApiserversResult;
  try {
    apiservers = await apiserversOrFail(run, request, lock, envFiles);
  } catch (err) {
    await membersAfter?.catch(() => undefined); // the run ends with no read still running
    throw err;
  }
  let done: ScaleOutResult;
  try {
    done = await run.phase('done', () =>
      result(
        request,
        j.before,
        j.plan,
        run.progress,
        j.keptCanary,
        membersAfter,
      ),
    );
  } catch (err) {
    const why = isCancellation(err)
      ? 'the run was cancelled after it'
      : `reading the member list after it failed (${causeOf(err)})`;
    done = resultUnread(
      request,
      j.before,
      j.plan,
      run.progress,
      j.keptCanary,
      `the scale-out completed, but ${why}: nothing was undone; membersAfter is the plan, check it with etcdctl member list`,
    );
    run.setPhase('done');
  }
  if (envFiles) {
    done.memberEnvFiles = envFiles;
    done.warnings.push(...envFiles.leftByHand);
  }
  done.apiservers = apiservers;
  // A rollout that stopped short is a warning; no control-plane nodes at all is today's behaviour, said in `apiservers`.
  if (apiservers.reason && request.controlPlane?.nodes.length)
    done.warnings.push(apiservers.reason);
  const lockWarning = await lock.release('done');
  if (lockWarning) done.warnings.push(lockWarning);
  done.notification = await notify(request, {
    outcome: 'succeeded',
    result: done,
  });
  endCompleted(run);
  return done;
}

/**
 * apiservers: the verified members' client URLs added to every kube-apiserver's --etcd-servers, one
 * node at a time. A node that did not come back was put back as it was; the run then fails with that
 * (ApiserverRolloutFailed), the lock released and the webhook told, and the members stay. The
 * failure carries the memberEnvFiles phase's report, which the run's result would have held.
 */
async function apiserversOrFail(
  run: Run,
  request: ScaleOutRequest,
  lock: ClusterLock,
  envFiles?: MemberEnvFilesReport,
): Promise<ApiserversResult> {
  const add = run.progress.members
    .filter((m) => m.state === 'verified')
    .map((m) => m.clientURL);
  try {
    return await tellApiservers(run, request, { add });
  } catch (err) {
    run.progress.error = causeOf(err);
    run.setPhase('failed');
    const lockWarning = await lock.release('failed');
    if (lockWarning) log.warn(lockWarning);
    const failure = withEnvFiles(err, envFiles);
    await notify(request, { outcome: 'failed', error: causeOf(failure) });
    runFailed(failure);
    throw failure;
  }
}

/** The apiservers' failure with what the memberEnvFiles phase did: all updated, or what is left by hand. */
function withEnvFiles(err: unknown, envFiles?: MemberEnvFilesReport): unknown {
  if (!envFiles || !(err instanceof ApplicationFailure)) return err;
  const files = envFiles.leftByHand.length
    ? envFiles.leftByHand.join('; ')
    : `all ${envFiles.files.length} updated`;
  return ApplicationFailure.create({
    type: err.type ?? undefined,
    message: `${err.message}; the members' env files: ${files}`,
    details: [
      {
        ...(err.details?.[0] as Record<string, unknown> | undefined),
        memberEnvFiles: envFiles,
      },
    ],
    nonRetryable: true,
  });
}

/** verify: after the canary, the whole cluster once more before going on. */
async function verify(
  request: ScaleOutRequest,
  plan: ScaleOutPlan,
): Promise<void> {
  const probeKey = `/etcd-scaleout/verify/${workflowInfo().workflowId}/canary`;
  await activities(
    'verify',
    request.strategy,
    activitySummary('verify'),
  ).verifyCluster(request.cluster, {
    voters: votersAfterCanary(plan),
    probeKey,
    until: Date.now() + request.strategy.healthTimeoutSeconds * 1000,
  });
}
