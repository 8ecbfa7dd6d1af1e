/**
 * replaceEtcdMember: the runbook for replacing one member, as a workflow. Preflight decides the path
 * from the member's health (domain/planning/replace.ts):
 *
 *   down:    validate -> preflight -> (lock) -> backup -> apiservers (it out) -> [approval]
 *              -> remove it (POINT OF NO RETURN) -> join the new node -> apiservers (new in)
 *              -> memberEnvFiles -> verify -> result
 *   healthy: validate -> preflight -> (lock) -> backup -> join the new node
 *              -> apiservers (new in, old out) -> [approval] -> remove it (POINT OF NO RETURN)
 *              -> verify -> result
 *
 * The down path is etcd's order (remove the failed member first: adding first would raise the quorum
 * while the dead member still counts); the healthy path never has fewer healthy voters than at the
 * start. The steps are the ones every workflow shares: the numbered join (steps/joinMember.ts), the removal
 * (steps/removeMember.ts), the apiserver rollouts (steps/tellApiservers.ts), the env files.
 *
 * Before the point of no return every change has its undo (the new member removed again, every
 * apiserver's manifest put back); a failure runs them (steps/rollback.ts). At the point of no return the
 * undos registered so far are forgotten: from there the run only goes forward, and a failure leaves
 * the cluster healthy at the size it reached (a join that fails is still undone: its learner is
 * removed) with an error that says what is left to do, on which host (replacing.ts).
 */
import { workflowInfo } from '@temporalio/workflow';
import type { BackupRecord } from '../../activities';
import { ErrorType } from '../../domain/errors';
import {
  type InventoryChange,
  inventoryChange,
} from '../../domain/kubespray/inventory/change';
import {
  type MemberInfo,
  memberListString,
  orderedMembers,
  type ReplacePath,
  type ReplacePlan,
} from '../../domain/planning';
import { hostOf } from '../../domain/request/patterns';
import type { ReplaceRequest } from '../../domain/request/replaceRequest';
import { activities } from '../run/activityPolicies';
import { activitySummary } from '../run/messages';
import { notify } from '../run/notify';
import { runKey } from '../run/runKey';
import { hostSshTarget } from '../run/sshTarget';
import { changeLists } from '../steps/apiserverLists';
import { approvalBeforeNoReturn } from '../steps/approval';
import { backup } from '../steps/backup';
import { joinMembers } from '../steps/joinMember';
import { type RemovalOutcome, removeMember } from '../steps/removeMember';
import { rollback } from '../steps/rollback';
import { beginRun, endCompleted, endFailed } from '../steps/runEnds';
import {
  type MemberEnvFilesReport,
  memberEnvBackupSuffix,
  writeMemberEnvFiles,
} from '../steps/updateMemberEnvFiles';
import { validateReplace } from '../steps/validate';
import { replacePreflight } from './preflight';
import { type ApiserverLists, leftToDo, type Replacing } from './replacing';

export interface ReplaceResult {
  cluster: string;
  path: ReplacePath;
  replaced: { name: string; id: string };
  newMember: string;
  membersBefore: string[];
  membersAfter: string[];
  removal?: RemovalOutcome;
  apiservers: ApiserverLists;
  memberEnvFiles?: MemberEnvFilesReport;
  backup?: BackupRecord;
  /** The list for kube-apiserver's --etcd-servers after the change. */
  etcdServers: string[];
  /** The new member into the inventory's etcd group, the old one out of it. */
  inventoryChange: InventoryChange;
  warnings: string[];
  /** What is left to do by hand (the old member's service or data dir, an env file not written). */
  leftByHand: string[];
}

const REPLACE = {
  operation: 'replacement',
  failedType: ErrorType.ReplaceFailed,
};

export async function replaceEtcdMember(
  input: unknown,
): Promise<ReplaceResult> {
  const { run, request, lock } = await beginRun(input, validateReplace);
  let r: Replacing | undefined;
  try {
    const pre = await run.phase('preflight', () => replacePreflight(request));
    const replacing: Replacing = {
      run,
      request,
      ...pre,
      apiservers: {},
      pastNoReturn: false,
    };
    r = replacing;
    run.planned(joinPlanOf(pre.plan));
    await lock.take();
    run.progress.backup = await run.phase('backup', () => backup(request));
    if (pre.plan.path === 'down') await downPath(replacing);
    else await healthyPath(replacing);
    await run.phase('verify', () => verify(replacing));
    const result = resultOf(replacing);
    run.setPhase('done');
    const lockWarning = await lock.release('done');
    if (lockWarning) result.warnings.push(lockWarning);
    await notify(request, { outcome: 'succeeded', result });
    endCompleted(run);
    return result;
  } catch (err) {
    const past = r?.pastNoReturn ? r : undefined;
    const failure = await rollback(
      run,
      request,
      err,
      REPLACE,
      past ? () => leftToDo(past) : undefined,
    );
    throw await endFailed(request, lock, failure);
  }
}

/** The member is down: out of the lists, removed, then the new node joins and goes into the lists. */
async function downPath(r: Replacing): Promise<void> {
  const { run, plan } = r;
  const nm = plan.newMember;
  // 1. The old member out of every kube-apiserver's --etcd-servers, one node at a time (put back on failure before step 3).
  // Not on the rebuilt machine: the list is the same after, so the apiservers are told nothing (never the URL out and back in).
  if (plan.atOwnAddress) r.apiservers.unchanged = unchangedLists(plan);
  else
    r.apiservers.out = await changeLists(
      run,
      r.request,
      { remove: plan.old.clientURLs },
      'out',
    );
  // 2. strategy.approval: a human looks before the point of no return.
  await approvalBeforeNoReturn(run, r.request);
  // 3. POINT OF NO RETURN: removed by its ID, its service stopped and data dir moved aside, the others' env files reduced.
  const others = membersOtherThanOld(r);
  await removeOld(r, others);
  // 4. The new node by the numbered join, through the remaining members; a join that fails is undone (its learner removed).
  await run.phase('join', () =>
    joinMembers(run, throughRemaining(r), joinPlanOf(plan), [r.node], 'join'),
  );
  run.compensations.forget(); // a verified voter is kept
  // 5. The new member into every kube-apiserver's --etcd-servers (on the rebuilt machine it never left them).
  if (!plan.atOwnAddress)
    r.apiservers.in = await changeLists(
      r.run,
      r.request,
      { add: [nm.clientURL] },
      'in',
      false,
    );
  // 6. The remaining members' env files: the full list, the new member included (no restart). The
  // rebuilt member's own file too: its join listed it last (a learner has no client URL to place it by),
  // the one order keeps it in its place (etcd reads the list only on a first start).
  const envMembers = plan.atOwnAddress ? membersAfter(r) : others;
  r.memberEnvFiles = await run.phase('memberEnvFiles', () =>
    writeMemberEnvFiles(
      r.request,
      envMembers.map((m) => ({
        name: m.name,
        peerURLs: m.peerURLs,
        target: hostSshTarget(r.request, hostOf(m.clientURLs[0])),
      })),
      memberListString(membersAfter(r)),
      `${memberEnvBackupSuffix(runKey())}-in`,
    ),
  );
}

/** Why the rebuilt member's replacement tells the apiservers nothing. */
const unchangedLists = (plan: ReplacePlan): string =>
  `--etcd-servers unchanged: ${plan.newMember.clientURL} is ${plan.old.name}'s own client URL before and after, so no kube-apiserver was touched`;

/** The member is healthy: the new node joins first, the lists swap, then the old member leaves. */
async function healthyPath(r: Replacing): Promise<void> {
  const { run, plan } = r;
  // 1. The new node by the numbered join (learner, catch up, promote: one voter more); removed again on failure.
  await run.phase('join', () =>
    joinMembers(run, r.request, joinPlanOf(plan), [r.node], 'join'),
  );
  // 2. In every kube-apiserver's --etcd-servers, one node at a time: the new member in, the old one out (put back on failure).
  r.apiservers.swap = await changeLists(
    run,
    r.request,
    { add: [plan.newMember.clientURL], remove: plan.old.clientURLs },
    'swap',
  );
  // 3. strategy.approval: a human looks before the point of no return.
  await approvalBeforeNoReturn(run, r.request);
  // 4. POINT OF NO RETURN: leadership moved away if it leads, removed by its ID, retired; every remaining env file the final list.
  await removeOld(r, membersAfter(r));
}

/** steps/removeMember.ts with the apiservers told already; the undos forgotten once etcd removed it, or may have. */
async function removeOld(r: Replacing, remaining: MemberInfo[]): Promise<void> {
  const { run, plan } = r;
  r.removal = await removeMember(run, r.request, {
    member: plan.old,
    endpoints: plan.endpoints,
    apiserversTold: true,
    remaining,
    rollout: 'remove',
    onPointOfNoReturn: () => {
      r.pastNoReturn = true;
      run.compensations.forget();
    },
  });
}

/** verify: the planned number of healthy voters, one leader, a write and a read through the new member. */
async function verify(r: Replacing): Promise<void> {
  const { plan } = r;
  await activities(
    'verify',
    r.request.strategy,
    activitySummary('verify'),
  ).verifyCluster(
    { ...r.request.cluster, endpoints: plan.endpoints },
    {
      voters: plan.before.voters,
      through: plan.newMember.clientURL,
      probeKey: `/etcd-scaleout/verify/${workflowInfo().workflowId}/replace`,
      until: Date.now() + r.request.strategy.healthTimeoutSeconds * 1000,
    },
  );
}

function resultOf(r: Replacing): ReplaceResult {
  const { plan } = r;
  const before = inOrder(r, r.before.members).map((m) => m.name);
  const warnings = [...plan.warnings];
  for (const lists of [r.apiservers.out, r.apiservers.swap, r.apiservers.in])
    if (lists?.reason) warnings.push(lists.reason);
  const leftByHand = [
    ...(r.removal?.leftByHand ?? []),
    ...(r.memberEnvFiles?.leftByHand ?? []),
  ];
  return {
    cluster: r.request.cluster.name,
    path: plan.path,
    replaced: { name: plan.old.name, id: plan.old.id },
    newMember: plan.newMember.name,
    membersBefore: before,
    membersAfter: membersAfter(r).map((m) => m.name),
    removal: r.removal,
    apiservers: r.apiservers,
    memberEnvFiles: r.memberEnvFiles,
    backup: r.run.progress.backup,
    etcdServers: plan.etcdServers,
    inventoryChange: inventoryChange(
      r.request.inventory.format,
      [plan.newMember],
      [plan.old],
    ),
    warnings,
    leftByHand,
  };
}

/** The replacement's one join, as the scale-out's join reads a plan. */
function joinPlanOf(plan: ReplacePlan) {
  return {
    cluster: plan.cluster,
    from: plan.before.voters,
    to: plan.before.voters,
    steps: [plan.join],
    warnings: [],
    etcdServers: plan.etcdServers,
  };
}

/** The request with the endpoints that do not include the removed member (the down path's join). */
const throughRemaining = (r: Replacing): ReplaceRequest => ({
  ...r.request,
  cluster: { ...r.request.cluster, endpoints: r.plan.endpoints },
});

/** `members` in the one order (memberOrder.ts): the profile's, the new member appended. */
const inOrder = (r: Replacing, members: MemberInfo[]): MemberInfo[] =>
  orderedMembers(r.request.cluster.endpoints, members, [
    r.plan.newMember.peerURL,
  ]);

const membersOtherThanOld = (r: Replacing): MemberInfo[] =>
  inOrder(
    r,
    r.before.members.filter((m) => m.id !== r.plan.old.id),
  );

/** The members once replaced, in the one order. */
const membersAfter = (r: Replacing): MemberInfo[] =>
  inOrder(r, [...membersOtherThanOld(r), asMember(r.plan)]);

/** The new member as the env files list it (its ID is etcd's; not needed for the files). */
const asMember = (plan: ReplacePlan): MemberInfo => ({
  id: 'new',
  name: plan.newMember.name,
  peerURLs: [plan.newMember.peerURL],
  clientURLs: [plan.newMember.clientURL],
  isLearner: false,
});
