/** result: what changed, for the operator and for kube-apiserver's --etcd-servers. */
import { workflowInfo } from '@temporalio/workflow';
import type { BackupRecord, ClusterState } from '../../activities';
import {
  type InventoryChange,
  inventoryChange,
} from '../../domain/kubespray/inventory/change';
import {
  type MemberInfo,
  orderedMembers,
  type ScaleOutPlan,
  votersAfterCanary,
} from '../../domain/planning';
import type { ScaleOutRequest } from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import {
  type ApprovalState,
  activitySummary,
  type MemberTimings,
  type Progress,
} from '../run/messages';
import type { ApiserversResult } from '../steps/tellApiservers';
import type { MemberEnvFilesReport } from '../steps/updateMemberEnvFiles';

export interface MemberSummary {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface ScaleOutResult {
  workflowId: string;
  cluster: string;
  from: number;
  to: number;
  membersBefore: MemberSummary[];
  membersAfter: MemberSummary[];
  timings: Record<string, MemberTimings>;
  backup: BackupRecord;
  etcdServers: string[];
  /** The kube-apiservers told the new list (steps/tellApiservers.ts); `told: "none"` and why without control-plane nodes. */
  apiservers?: ApiserversResult;
  /** The new members as hosts of the inventory's etcd group, in its form: the next playbook run then keeps them. */
  inventoryChange: InventoryChange;
  warnings: string[];
  /** Each member's env file brought up to date with the full member list (absent on runs before that phase). */
  memberEnvFiles?: MemberEnvFilesReport;
  /** Set when the approval timed out with onApprovalTimeout "keep-canary": the batch was not run. */
  stoppedAfterCanary?: boolean;
  approval: ApprovalState;
  notification?: { delivered: boolean; status?: number; error?: string };
}

const summary = (m: MemberInfo): MemberSummary => ({
  id: m.id,
  name: m.name,
  peerURLs: m.peerURLs,
  clientURLs: m.clientURLs,
  isLearner: m.isLearner,
});

/** The member list once the last member is verified, read linearizably (every join answered is listed). */
export async function readMembersAfter(
  request: ScaleOutRequest,
): Promise<MemberSummary[]> {
  const after = await activities(
    'read',
    request.strategy,
    activitySummary('result'),
  ).inspectCluster(request.cluster, { linearizable: true });
  return after.members.map(summary);
}

/** The run's result from the member list after it (`membersAfter`, else read now). */
export async function result(
  request: ScaleOutRequest,
  before: ClusterState,
  plan: ScaleOutPlan,
  progress: Progress,
  stoppedAfterCanary: boolean,
  membersAfter?: Promise<MemberSummary[]>,
): Promise<ScaleOutResult> {
  return resultOf(
    request,
    before,
    await (membersAfter ?? readMembersAfter(request)),
    plan,
    progress,
    stoppedAfterCanary,
  );
}

/**
 * The result when the member list could not be read after a completed scale-out: the members are the
 * ones before plus the ones this run verified (their IDs as the run saw them), and `problem` says so.
 */
export function resultUnread(
  request: ScaleOutRequest,
  before: ClusterState,
  plan: ScaleOutPlan,
  progress: Progress,
  stoppedAfterCanary: boolean,
  problem: string,
): ScaleOutResult {
  const joined = progress.members
    .filter((m) => m.state === 'verified')
    .map(
      (m): MemberSummary => ({
        id: m.id ?? '',
        name: m.name,
        peerURLs: [m.peerURL],
        clientURLs: [m.clientURL],
        isLearner: false,
      }),
    );
  const r = resultOf(
    request,
    before,
    [...before.members.map(summary), ...joined],
    plan,
    progress,
    stoppedAfterCanary,
  );
  r.warnings.push(problem);
  return r;
}

/** The members in the one order (memberOrder.ts): the profile's, then the new ones as requested. */
const inOrder = (request: ScaleOutRequest, members: MemberSummary[]) =>
  orderedMembers(
    request.cluster.endpoints,
    members,
    request.newMembers.map((m) => m.peerURL),
  );

function resultOf(
  request: ScaleOutRequest,
  before: ClusterState,
  listed: MemberSummary[],
  plan: ScaleOutPlan,
  progress: Progress,
  stoppedAfterCanary: boolean,
): ScaleOutResult {
  const backup = progress.backup;
  if (!backup) throw new Error('result: no backup recorded'); // the backup phase runs before any join
  const membersAfter = inOrder(request, listed);
  return {
    workflowId: workflowInfo().workflowId,
    cluster: request.cluster.name,
    from: plan.from,
    to: stoppedAfterCanary ? votersAfterCanary(plan) : plan.to,
    membersBefore: inOrder(request, before.members.map(summary)),
    membersAfter,
    timings: Object.fromEntries(
      progress.members.map((m) => [m.name, m.timings]),
    ),
    backup,
    etcdServers: membersAfter.flatMap((m) => m.clientURLs),
    inventoryChange: inventoryChange(
      request.inventory.format,
      request.newMembers.filter((n) =>
        membersAfter.some((m) => m.peerURLs.includes(n.peerURL)),
      ),
    ),
    warnings: stoppedAfterCanary
      ? [
          ...plan.warnings,
          'approval timed out: kept the canary, did not add the batch',
        ]
      : [...plan.warnings],
    approval: progress.approval,
    ...(stoppedAfterCanary ? { stoppedAfterCanary } : {}),
  };
}
