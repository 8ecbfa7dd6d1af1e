/**
 * canary and batch: new members join strictly one at a time, each by the same numbered steps.
 * Every step is idempotent (members found by peer URL, the env file's original saved once per run,
 * a running service left running), so a retry or a new worker picks up where the last one stopped.
 */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { SshTarget } from '../../activities';
import { ErrorType } from '../../domain/errors';
import type { JoinStep, ScaleOutPlan } from '../../domain/planning';
import type { NewMember, ScaleOutRequest } from '../../domain/request/request';
import { activities, type Policy } from '../run/activityPolicies';
import type { MemberTracker } from '../run/memberProgress';
import { activitySummary } from '../run/messages';
import type { Run } from '../run/run';
import { runKey } from '../run/runKey';
import { sshTarget } from '../run/sshTarget';
import {
  envToWriteOrRefuse,
  type NodeEnvPlan,
  type PreparedNode,
} from './nodeEnv';
import { type JoinUndo, registerJoinUndo } from './undoJoin';

export async function joinMembers(
  run: Run,
  request: ScaleOutRequest,
  plan: ScaleOutPlan,
  nodes: PreparedNode[],
  stage: JoinStep['stage'],
): Promise<void> {
  for (const [i, step] of plan.steps.entries()) {
    if (step.stage === stage) await joinMember(run, request, step, nodes[i]);
  }
}

/** `20260102T101112Z`: names this join's quarantined data dirs. */
const compactStamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** Certificate problems found during the join: the run stops before the member is added (or rolls back). */
const refused = (what: string, problems: string[]) =>
  ApplicationFailure.create({
    type: ErrorType.CertificateRefused,
    message: `${what}: ${problems.join('; ')}`,
    details: [problems],
    nonRetryable: true,
  });

/** What the steps of one member's join act with: its activities by policy, its tracker, its node, the request. */
interface Joining {
  acts: (policy: Policy) => ReturnType<typeof activities>;
  track: MemberTracker;
  target: SshTarget;
  member: NewMember;
  request: ScaleOutRequest;
}

type NodeTls = NonNullable<NodeEnvPlan['tls']>;

/** Step 2 of joinMember: refused when issuing finds any problem. */
async function issueCertificates(
  { acts, track, target, member }: Joining,
  undo: JoinUndo,
  { ca, spec }: NonNullable<NodeTls['issue']>,
): Promise<void> {
  undo.attempting('certs');
  await track.step('issueCertificates', async () => {
    const r = await acts('change').issueMemberCertificates(target, ca, spec);
    if (r.problems.length)
      throw refused(
        `cannot issue certificates for ${member.name} on ${member.host}`,
        r.problems,
      );
    return r;
  });
}

/** Step 3 of joinMember: refused when any certificate is not usable. */
async function recheckCertificates(
  { acts, track, target, member }: Joining,
  tls: NodeTls,
): Promise<void> {
  await track.step('checkCertificates', async () => {
    const r = await acts('read').checkMemberCertificates(
      target,
      tls.sets,
      tls.expect,
    );
    if (r.problems.length)
      throw refused(
        `certificates for ${member.name} on ${member.host} are not usable`,
        r.problems,
      );
    return r;
  });
}

/** Step 7 of joinMember. */
async function awaitCatchUp({ acts, track, member, request }: Joining) {
  await track.step('waitForCatchUp', () =>
    acts('wait').waitForCatchUp(
      request.cluster,
      member,
      Date.now() + request.strategy.catchUpTimeoutSeconds * 1000,
    ),
  );
}

/** Step 8 of joinMember. */
async function promoteToVoter({ acts, track, member, request }: Joining) {
  await track.step('promoteMember', () =>
    acts('wait').promoteMember(
      request.cluster,
      member,
      Date.now() + request.strategy.healthTimeoutSeconds * 1000,
    ),
  );
}

/** Step 9 of joinMember: `voters` is the planned count once this member is promoted. */
async function verifyJoined(
  { acts, track, member, request }: Joining,
  voters: number,
) {
  const probeKey = `/etcd-scaleout/verify/${workflowInfo().workflowId}/${member.name}`;
  await track.step('verifyCluster', () =>
    acts('verify').verifyCluster(request.cluster, {
      voters,
      through: member.clientURL,
      probeKey,
      until: Date.now() + request.strategy.healthTimeoutSeconds * 1000,
    }),
  );
}

async function joinMember(
  run: Run,
  request: ScaleOutRequest,
  step: JoinStep,
  node: PreparedNode,
): Promise<void> {
  const { member } = step;
  const { cluster, strategy, node: paths } = request;
  const acts = (policy: Policy) =>
    activities(policy, strategy, activitySummary(step.stage, member.name));
  const target = sshTarget(request, member);
  const names = { stamp: compactStamp(), runKey: runKey() };
  const tls = node.env.tls;
  const track = run.member(member.peerURL);
  track.begin();
  const joining: Joining = { acts, track, target, member, request };

  // 1. Quarantine a stale data dir: preflight found a member/ there and the strategy is "quarantine" (moved aside, never deleted).
  if (node.memberDir)
    await track.step('quarantineDataDir', () =>
      acts('change').quarantineDataDir(target, paths.dataDir, names.stamp),
    );

  // From here on every change is undone on failure; each is marked attempted before it is sent, since
  // a change whose answer was lost may still have happened.
  const undo = registerJoinUndo(
    run,
    request,
    member,
    { ...names, issuedManifest: tls?.issue?.spec.manifestFile },
    () => track.rolledBack(),
  );

  // 2. strategy.certificates "issue": the member's key and certificates, made on the node and signed on the CA host; the manifest lists what was created.
  if (tls?.issue) await issueCertificates(joining, undo, tls.issue);

  // 3. The certificates once more, just before the add: they may have changed since preflight.
  if (tls) await recheckCertificates(joining, tls);

  // 4. Add the member as a learner (a learner does not vote, so it cannot cost quorum).
  undo.attempting('add');
  const added = await track.step('addLearner', () =>
    acts('changeWhenHealthy').addLearner(
      cluster,
      { name: member.name, peerURL: member.peerURL },
      run.knownNames(),
      Date.now() + strategy.healthTimeoutSeconds * 1000,
    ),
  );

  // 5. Write the node's env file (derived from a member's, or merged into the node's own): ETCD_INITIAL_CLUSTER from the member list after the add, state "existing".
  undo.attempting('env');
  await track.step('writeEnvFile', () =>
    acts('change').writeEnvFile(
      target,
      paths.envFile,
      envToWriteOrRefuse(node.env, member, added.initialCluster, paths.dataDir),
      names.runKey,
    ),
  );

  // 6. Start the service.
  undo.attempting('start');
  await track.step('startService', () =>
    acts('start').startService(target, paths.service),
  );

  // 7. Wait until the learner has applied everything the leader has (deadline absolute, so retries keep it).
  await awaitCatchUp(joining);

  // 8. Promote it to a voter.
  await promoteToVoter(joining);

  // 9. Verify: every member a healthy voter, the planned count, a write and a read through the new member.
  await verifyJoined(joining, step.afterPromote.voters);
}
