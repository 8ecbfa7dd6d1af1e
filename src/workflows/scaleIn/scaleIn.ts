/**
 * scaleInEtcd: the runbook for shrinking a cluster, as a workflow.
 *
 *   validate -> preflight -> (lock) -> backup -> apiservers (the named members out of every list)
 *     -> [approval] -> remove, one member at a time (steps/removeMember.ts) -> verify -> result
 *
 * Each member is taken out of every kube-apiserver's --etcd-servers before any is removed (one
 * rollout, one control-plane node at a time; put back, one node at a time, if the run fails before
 * its first removal: a rejected approval, a removal refused), then removed alone: leadership moved away if it leads,
 * `member remove` by its ID, its service stopped and data dir moved aside. A removal is never undone
 * (re-adding a removed member is a new join): a failure leaves the cluster healthy at the size it
 * reached, and the run fails (ScaleInFailed, or the cause's own type) saying what was removed and
 * what is left, on which host. The same cluster lock as the scale-out: one membership change at a time.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import type { BackupRecord } from '../../activities';
import { ErrorType, NON_RETRYABLE } from '../../domain/errors';
import {
  type InventoryChange,
  inventoryChange,
} from '../../domain/kubespray/inventory/change';
import { orderedMembers, type ScaleInPlan } from '../../domain/planning';
import type { ScaleInRequest } from '../../domain/request/scaleInRequest';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { activitySummary } from '../run/messages';
import { notify } from '../run/notify';
import type { Run } from '../run/run';
import { changeLists } from '../steps/apiserverLists';
import { approvalBeforeNoReturn } from '../steps/approval';
import { backup } from '../steps/backup';
import { type RemovalOutcome, removeMember } from '../steps/removeMember';
import { undoAll } from '../steps/rollback';
import { beginRun, endCompleted, endFailed } from '../steps/runEnds';
import type { ApiserversResult } from '../steps/tellApiservers';
import { validateScaleIn } from '../steps/validate';
import { scaleInPreflight } from './preflight';

export interface ScaleInResult {
  cluster: string;
  from: number;
  to: number;
  membersBefore: string[];
  membersAfter: string[];
  removed: RemovalOutcome[];
  apiservers: ApiserversResult;
  backup?: BackupRecord;
  /** The list for kube-apiserver's --etcd-servers after the change. */
  etcdServers: string[];
  /** The removed members out of the inventory's etcd group: the next playbook run then leaves them out. */
  inventoryChange: InventoryChange;
  warnings: string[];
  /** What is left to do by hand on the removed members' hosts (service, data dir). */
  leftByHand: string[];
}

export async function scaleInEtcd(input: unknown): Promise<ScaleInResult> {
  const { run, request, lock } = await beginRun(input, validateScaleIn);
  const removed: RemovalOutcome[] = [];
  let plan: ScaleInPlan | undefined;
  try {
    const pre = await run.phase('preflight', () => scaleInPreflight(request));
    plan = pre.plan;
    run.progress.from = plan.from;
    run.progress.to = plan.to;
    await lock.take();
    run.progress.backup = await run.phase('backup', () => backup(request));
    const apiservers = await apiserversOut(run, request, plan);
    await approvalBeforeNoReturn(run, request);
    // In the one order (memberOrder.ts): their env files get the reduced list in it.
    let remaining = orderedMembers(
      request.cluster.endpoints,
      pre.before.members,
    );
    for (const [i, step] of plan.steps.entries()) {
      remaining = remaining.filter((m) => m.id !== step.member.id);
      removed.push(
        await removeMember(run, request, {
          member: step.member,
          endpoints: step.endpoints,
          apiserversTold: true,
          remaining,
          rollout: `remove-${i}`,
          // From the first removal on, the lists are never put back.
          onPointOfNoReturn: () => run.compensations.forget(),
        }),
      );
    }
    await run.phase('verify', () => verify(request, plan as ScaleInPlan));
    const result = resultOf(
      request,
      orderedMembers(request.cluster.endpoints, pre.before.members),
      plan,
      removed,
      apiservers,
    );
    result.backup = run.progress.backup;
    run.setPhase('done');
    const lockWarning = await lock.release('done');
    if (lockWarning) result.warnings.push(lockWarning);
    await notify(request, { outcome: 'succeeded', result });
    endCompleted(run);
    return result;
  } catch (err) {
    const { undone, notUndone } = await undoAll(run, request);
    const failure = scaleInFailed(err, plan, removed, [
      ...(undone.length ? [`undone: ${undone.join('; ')}`] : []),
      ...(notUndone.length ? [`NOT undone: ${notUndone.join('; ')}`] : []),
    ]);
    run.progress.error = failure.message;
    run.setPhase('failed');
    throw await endFailed(request, lock, failure);
  }
}

/** The named members out of every kube-apiserver's list before any of them is removed (put back on a failure before the first removal). */
async function apiserversOut(
  run: Run,
  request: ScaleInRequest,
  plan: ScaleInPlan,
): Promise<ApiserversResult> {
  return changeLists(
    run,
    request,
    { remove: plan.steps.flatMap((s) => s.member.clientURLs) },
    'out',
  );
}

/** verify: every remaining member a healthy voter with one leader, a write and a read through one. */
async function verify(request: ScaleInRequest, plan: ScaleInPlan) {
  const endpoints = plan.steps[plan.steps.length - 1].endpoints;
  await activities(
    'verify',
    request.strategy,
    activitySummary('verify'),
  ).verifyCluster(
    { ...request.cluster, endpoints },
    {
      voters: plan.to,
      through: endpoints[0],
      probeKey: `/etcd-scaleout/verify/${workflowInfo().workflowId}/scale-in`,
      until: Date.now() + request.strategy.healthTimeoutSeconds * 1000,
    },
  );
}

function resultOf(
  request: ScaleInRequest,
  before: Array<{ name: string }>,
  plan: ScaleInPlan,
  removed: RemovalOutcome[],
  apiservers: ApiserversResult,
): ScaleInResult {
  const gone = new Set(removed.map((r) => r.member));
  return {
    cluster: request.cluster.name,
    from: plan.from,
    to: plan.to,
    membersBefore: before.map((m) => m.name),
    membersAfter: before.map((m) => m.name).filter((n) => !gone.has(n)),
    removed,
    apiservers,
    etcdServers: plan.etcdServers,
    inventoryChange: inventoryChange(
      request.inventory.format,
      [],
      plan.steps.map((s) => s.member).filter((m) => gone.has(m.name)),
    ),
    warnings: [
      ...plan.warnings,
      ...(apiservers.reason && request.controlPlane?.nodes.length
        ? [apiservers.reason]
        : []),
    ],
    leftByHand: removed.flatMap((r) => r.leftByHand),
  };
}

/** A rejected or timed-out approval, and a cancel while an apiserver was told, fail the run as themselves. */
const DECISIONS: string[] = [
  ErrorType.ApprovalRejected,
  ErrorType.ApprovalTimedOut,
  ErrorType.Cancelled,
];

/** The run's failure: its cause's type when it names one, what was removed, and what is left. */
function scaleInFailed(
  err: unknown,
  plan: ScaleInPlan | undefined,
  removed: RemovalOutcome[],
  undo: string[],
): ApplicationFailure {
  const inner = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const type =
    inner instanceof ApplicationFailure &&
    inner.type &&
    [...NON_RETRYABLE, ...DECISIONS].includes(inner.type)
      ? inner.type
      : isCancellation(err)
        ? ErrorType.Cancelled
        : ErrorType.ScaleInFailed;
  const done = removed.map((r) => r.member);
  const left = (plan?.steps ?? [])
    .map((s) => s.member)
    .filter((m) => !done.includes(m.name));
  const byHand = removed.flatMap((r) => r.leftByHand);
  const message = !plan
    ? causeOf(err)
    : `${causeOf(err)}; removed: ${done.length ? done.join(', ') : 'none'} (never re-added); ` +
      `not removed: ${left.length ? left.map((m) => `${m.name} (ID ${m.id}, ${m.peerURLs.join(',')})`).join(', ') : 'none'}; ` +
      `the cluster has ${plan.from - done.length} members` +
      (byHand.length ? `; left by hand: ${byHand.join('; ')}` : '') +
      (undo.length ? `; ${undo.join('; ')}` : '');
  return ApplicationFailure.create({
    type,
    message,
    details: [{ removed, notRemoved: left.map((m) => m.name) }],
    nonRetryable: true,
  });
}
