/**
 * scaleInEtcd: the runbook for shrinking a cluster, as a workflow.
 *
 *   validate -> preflight -> (lock) -> backup -> apiservers (the named members out of every list)
 *     -> remove, one member at a time (steps/removeMember.ts) -> verify -> result
 *
 * Each member is taken out of every kube-apiserver's --etcd-servers before any is removed (one
 * rollout, one control-plane node at a time), then removed alone: leadership moved away if it leads,
 * `member remove` by its ID, its service stopped and data dir moved aside. A removal is never undone
 * (re-adding a removed member is a new join): a failure leaves the cluster healthy at the size it
 * reached, and the run fails (ScaleInFailed, or the cause's own type) saying what was removed and
 * what is left, on which host. The same cluster lock as the scale-out: one membership change at a time.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  workflowInfo,
} from '@temporalio/workflow';
import type { BackupRecord } from '../../activities';
import { ErrorType, NON_RETRYABLE } from '../../domain/errors';
import type { ScaleInPlan } from '../../domain/planning';
import type { ScaleInRequest } from '../../domain/scaleInRequest';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { activitySummary } from '../run/messages';
import { notify } from '../run/notify';
import { Run } from '../run/run';
import { backup } from '../steps/backup';
import { ClusterLock } from '../steps/clusterLock';
import { type RemovalOutcome, removeMember } from '../steps/removeMember';
import {
  type ApiserversResult,
  notTold,
  tellApiservers,
} from '../steps/tellApiservers';
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
  warnings: string[];
  /** What is left to do by hand on the removed members' hosts (service, data dir). */
  leftByHand: string[];
}

export async function scaleInEtcd(input: unknown): Promise<ScaleInResult> {
  const run = new Run();
  const request = await run.failOnThrow(() => validateScaleIn(input));
  run.identify(request);
  const lock = new ClusterLock(request);
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
    let remaining = pre.before.members;
    for (const [i, step] of plan.steps.entries()) {
      remaining = remaining.filter((m) => m.id !== step.member.id);
      removed.push(
        await removeMember(run, request, {
          member: step.member,
          endpoints: step.endpoints,
          apiserversTold: true,
          remaining,
          rollout: `remove-${i}`,
        }),
      );
    }
    await run.phase('verify', () => verify(request, plan as ScaleInPlan));
    const result = resultOf(
      request,
      pre.before.members,
      plan,
      removed,
      apiservers,
    );
    result.backup = run.progress.backup;
    run.setPhase('done');
    const lockWarning = await lock.release('done');
    if (lockWarning) result.warnings.push(lockWarning);
    await notify(request, { outcome: 'succeeded', result });
    return result;
  } catch (err) {
    const failure = scaleInFailed(err, plan, removed);
    run.progress.error = failure.message;
    run.setPhase('failed');
    const lockWarning = await lock.release('failed');
    if (lockWarning) log.warn(lockWarning);
    await notify(request, { outcome: 'failed', error: failure.message });
    throw failure;
  }
}

/** The named members out of every kube-apiserver's list before any of them is removed. */
async function apiserversOut(
  run: Run,
  request: ScaleInRequest,
  plan: ScaleInPlan,
): Promise<ApiserversResult> {
  const remove = plan.steps.flatMap((s) => s.member.clientURLs);
  if (!request.controlPlane?.nodes.length) return notTold({ remove });
  const told = await tellApiservers(run, request, { remove }, 'out');
  if (told.told !== 'all')
    throw ApplicationFailure.create({
      type: ErrorType.ApiserverRolloutFailed,
      message: `no member was removed: ${told.reason ?? 'not every kube-apiserver was told'}`,
      details: [{ apiservers: told }],
      nonRetryable: true,
    });
  return told;
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
    warnings: [
      ...plan.warnings,
      ...(request.strategy.approval !== 'none'
        ? [
            `strategy.approval "${request.strategy.approval}" applies to scale-outs: the scale-in has no approval gate`,
          ]
        : []),
      ...(apiservers.reason && request.controlPlane?.nodes.length
        ? [apiservers.reason]
        : []),
    ],
    leftByHand: removed.flatMap((r) => r.leftByHand),
  };
}

/** The run's failure: its cause's type when it names one, what was removed, and what is left. */
function scaleInFailed(
  err: unknown,
  plan: ScaleInPlan | undefined,
  removed: RemovalOutcome[],
): ApplicationFailure {
  const inner = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const type =
    inner instanceof ApplicationFailure &&
    inner.type &&
    NON_RETRYABLE.includes(inner.type)
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
      (byHand.length ? `; left by hand: ${byHand.join('; ')}` : '');
  return ApplicationFailure.create({
    type,
    message,
    details: [{ removed, notRemoved: left.map((m) => m.name) }],
    nonRetryable: true,
  });
}
