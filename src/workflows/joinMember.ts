/**
 * canary and batch: new members join strictly one at a time, each by the same numbered steps.
 * Every step is idempotent (members found by peer URL, the env file's original saved once per run,
 * a running service left running), so a retry or a new worker picks up where the last one stopped.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { NodeFacts } from '../activities';
import { memberEnv, type JoinStep, type ScaleOutPlan } from '../domain/planning';
import type { ScaleOutRequest } from '../domain/request';
import { fileSafe } from '../domain/runNames';
import { activities, type Policy } from './activityPolicies';
import { activitySummary } from './messages';
import type { Run } from './run';
import { sshTarget } from './sshTarget';
import { registerJoinUndo } from './undoJoin';

export async function joinMembers(run: Run, request: ScaleOutRequest, plan: ScaleOutPlan, nodes: NodeFacts[], stage: 'canary' | 'batch'): Promise<void> {
  for (const [i, step] of plan.steps.entries()) {
    if (step.stage === stage) await joinMember(run, request, step, nodes[i]);
  }
}

/** `20260102T101112Z`: names this join's quarantined data dirs. */
const compactStamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

async function joinMember(run: Run, request: ScaleOutRequest, step: JoinStep, node: NodeFacts): Promise<void> {
  const { member } = step;
  const { cluster, strategy, node: paths } = request;
  const { workflowId } = workflowInfo();
  const acts = (policy: Policy) => activities(policy, strategy, activitySummary(step.stage, member.name));
  const target = sshTarget(request, member);
  const names = { stamp: compactStamp(), runKey: `etcd-scaleout-${fileSafe(workflowId)}` };
  const track = run.member(member.peerURL);
  track.begin();

  // 1. Quarantine a stale data dir: preflight found a member/ there and the strategy is "quarantine" (moved aside, never deleted).
  if (node.memberDir) await track.step('quarantineDataDir', () => acts('change').quarantineDataDir(target, paths.dataDir, names.stamp));

  // From here on every change is undone on failure; each is marked attempted before it is sent, since
  // a change whose answer was lost may still have happened.
  const undo = registerJoinUndo(run, request, member, names, () => track.rolledBack());

  // 2. Add the member as a learner (a learner does not vote, so it cannot cost quorum).
  undo.attempting('add');
  const added = await track.step('addLearner', () => acts('changeWhenHealthy').addLearner(cluster, { name: member.name, peerURL: member.peerURL }, run.knownNames()));

  // 3. Write the node's env file: ETCD_INITIAL_CLUSTER from the member list after the add, state "existing".
  undo.attempting('env');
  await track.step('writeEnvFile', () => acts('change').writeEnvFile(target, paths.envFile, memberEnv(member, added.initialCluster, paths.dataDir), names.runKey));

  // 4. Start the service.
  undo.attempting('start');
  await track.step('startService', () => acts('start').startService(target, paths.service));

  // 5. Wait until the learner has applied everything the leader has (deadline absolute, so retries keep it).
  await track.step('waitForCatchUp', () => acts('wait').waitForCatchUp(cluster, member, Date.now() + strategy.catchUpTimeoutSeconds * 1000));

  // 6. Promote it to a voter.
  await track.step('promoteMember', () => acts('wait').promoteMember(cluster, member, Date.now() + strategy.healthTimeoutSeconds * 1000));

  // 7. Verify: every member a healthy voter, the planned count, a write and a read through the new member.
  const probeKey = `/etcd-scaleout/verify/${workflowId}/${member.name}`;
  await track.step('verifyCluster', () => acts('verify').verifyCluster(cluster, { voters: step.afterPromote.voters, through: member.clientURL, probeKey }));
}
