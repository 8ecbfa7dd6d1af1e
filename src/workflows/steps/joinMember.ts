/**
 * canary and batch: new members join strictly one at a time, each by the same numbered steps.
 * Every step is idempotent (members found by peer URL, the env file's original saved once per run,
 * a running service left running), so a retry or a new worker picks up where the last one stopped.
 *
 * A join is its node's preparation (steps 1-3 and the env file: nothing in etcd changes) and then the
 * member change (steps 4-9). The next node's preparation runs while the member before it catches up
 * (joinAhead.ts); the member changes themselves stay strictly one after another.
 */
import {
  ApplicationFailure,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
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
import { Preparations } from './joinAhead';
import {
  envToWriteOrRefuse,
  type NodeEnvPlan,
  type PreparedNode,
} from './nodeEnv';
import { type JoinUndo, registerJoinUndo } from './undoJoin';

/**
 * The plan's members of `stage`, one member change at a time. `preps` carries preparations started
 * ahead across stages (the scale-out's canary to its batch); by default a stage prepares its own.
 */
export async function joinMembers(
  run: Run,
  request: ScaleOutRequest,
  plan: ScaleOutPlan,
  nodes: PreparedNode[],
  stage: JoinStep['stage'],
  preps = new Preparations(run, request, plan, nodes, false),
): Promise<void> {
  for (const [i, step] of plan.steps.entries()) {
    if (step.stage !== stage) continue;
    const prepared = await preps.take(i);
    await joinPrepared(run, request, step, prepared, () => preps.next(i));
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
  node: PreparedNode;
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

/**
 * Runs started before the catch-up asked etcd to promote (and so before it promoted) replay with the
 * separate promotion step (`patched`).
 */
const PROMOTE_WHEN_ETCD_WOULD = 'promote-when-etcd-would';

/**
 * Steps 7 and 8 of joinMember: wait until etcd holds the learner in sync with the leader, by asking
 * etcd to promote it every 0.1 s (src/activities/etcd/catchUp.ts): the catch-up ends with the
 * promotion, the moment etcd allows it (the deadline absolute, so retries keep it). A learner that
 * never catches up by the deadline fails the step and is removed by the join's undo.
 */
async function catchUpAndPromote(joining: Joining): Promise<void> {
  const { acts, track, member, request } = joining;
  const caughtUp = await track.step('waitForCatchUp', () =>
    acts('wait').waitForCatchUp(
      request.cluster,
      member,
      Date.now() + request.strategy.catchUpTimeoutSeconds * 1000,
    ),
  );
  // Replayed runs of the older code: the wait only read the learner's status, the promotion was its own step.
  if (!patched(PROMOTE_WHEN_ETCD_WOULD) || !caughtUp.promoted)
    await promoteToVoter(joining);
}

/** Step 8 of joinMember, for runs that replay the older code. */
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

/** What a node's preparation leaves for its member change. */
export interface PreparedJoin {
  joining: Joining;
  undo: JoinUndo;
  /** The ETCD_INITIAL_CLUSTER the env file was written with ahead (the plan's), or undefined: written after the add. */
  envWritten?: string;
}

/**
 * Steps 1-3 (and, when `envAhead`, step 5 for the planned member list): everything on the node that
 * does not need the member to exist. `ahead`: while the member before it catches up (joinAhead.ts).
 */
export async function prepareJoin(
  run: Run,
  request: ScaleOutRequest,
  step: JoinStep,
  node: PreparedNode,
  how: { track: MemberTracker; ahead: boolean; envAhead: boolean },
): Promise<PreparedJoin> {
  const { member } = step;
  const { strategy, node: paths } = request;
  const acts = (policy: Policy) =>
    activities(policy, strategy, activitySummary(step.stage, member.name));
  const target = sshTarget(request, member);
  const names = { stamp: compactStamp(), runKey: runKey() };
  const tls = node.env.tls;
  const { track } = how;
  if (how.ahead) track.prepareAhead();
  else track.begin();
  const joining: Joining = { acts, track, target, member, request, node };

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

  // 3. The certificates once more, shortly before the add: they may have changed since preflight.
  if (tls) await recheckCertificates(joining, tls);

  // 5, ahead. The env file for the member list the plan expects after the add: etcd reads it only
  // when the service starts (step 6, after the add), and step 5 writes it again if etcd's list differs.
  if (!how.envAhead) return { joining, undo };
  await writeEnv(joining, undo, step.initialCluster);
  return { joining, undo, envWritten: step.initialCluster };
}

/** Step 5: the node's env file (derived from a member's, or merged into the node's own), state "existing". */
async function writeEnv(
  { acts, track, target, member, request, node }: Joining,
  undo: JoinUndo,
  initialCluster: string,
): Promise<void> {
  const paths = request.node;
  undo.attempting('env');
  await track.step('writeEnvFile', () =>
    acts('change').writeEnvFile(
      target,
      paths.envFile,
      envToWriteOrRefuse(node.env, member, initialCluster, paths.dataDir),
      runKey(),
    ),
  );
}

/**
 * Steps 4-9: the member change, on a prepared node. `catchingUp` is told when the learner starts
 * catching up: the next node may be prepared from then on (joinAhead.ts).
 */
async function joinPrepared(
  run: Run,
  request: ScaleOutRequest,
  step: JoinStep,
  { joining, undo, envWritten }: PreparedJoin,
  catchingUp: () => void,
): Promise<void> {
  const { acts, track, member } = joining;
  const { cluster, strategy, node: paths } = request;
  if (!track.begun) track.begin();

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

  // 5. The env file: ETCD_INITIAL_CLUSTER from the member list after the add, state "existing" (unless
  // written ahead with exactly that list).
  if (envWritten !== added.initialCluster)
    await writeEnv(joining, undo, added.initialCluster);

  // 6. Start the service, with the unit's start timeout raised for this first start: the learner is
  // ready only once it has received and applied the leader's database (near the 2 GiB quota: ~7 s on the
  // lab's loopback, longer on slower disks and networks, and on a quiet cluster until its next write:
  // 61-151 s measured), and Kubespray's unit keeps systemd's 90 s. Runs that replay the older code scheduled the start
  // without it; the arguments and timeouts of an activity are not part of what a replay compares.
  undo.attempting('start');
  await track.step('startService', () =>
    acts('start').startService(
      joining.target,
      paths.service,
      strategy.startTimeoutSeconds,
    ),
  );

  // 7-8. Wait until etcd holds the learner in sync with the leader, and promote it then (one change:
  // the promotion). Meanwhile the next node may be prepared: no member change, only its own node.
  catchingUp();
  await catchUpAndPromote(joining);

  // 9. Verify: every member a healthy voter, the planned count, a write and a read through the new member.
  await verifyJoined(joining, step.afterPromote.voters);
}
