/**
 * memberEnvFiles: after the last member is verified, every member's env file (node.envFile, over SSH)
 * gets the full member list in ETCD_INITIAL_CLUSTER and ETCD_INITIAL_CLUSTER_STATE=existing, all
 * members at once (each write is atomic, and etcd reads the file only at its next bootstrap, so no
 * order between the files matters); every other byte stays (domain/envFiles/memberEnvUpdate.ts). No member is restarted: etcd
 * reads these only when it bootstraps, and this keeps a member that later loses its data dir from
 * bootstrapping a cluster of the old members (Kubespray #13261).
 *
 * etcd is done and healthy when this runs, so nothing here fails the run. A member whose host does
 * not answer is left as it is, and the report says which file on which host and what to write there.
 * Any other failure (or a cancel) stops the phase: the files it changed are put back from their saved
 * originals (the phase's own compensations), and the report says so and what is left to write.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
} from '@temporalio/workflow';
import type { ClusterState, SshTarget } from '../../activities';
import { membershipLines } from '../../domain/envFiles/memberEnvUpdate';
import { ErrorType } from '../../domain/errors';
import { orderedMembers, type ScaleOutPlan } from '../../domain/planning';
import { hostOf } from '../../domain/request/patterns';
import type {
  ClusterSettings,
  ScaleOutRequest,
} from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { Compensations } from '../run/compensations';
import { activitySummary, type Progress } from '../run/messages';
import { runKey } from '../run/runKey';
import { hostSshTarget, sshTarget } from '../run/sshTarget';

export interface MemberEnvFileOutcome {
  member: string;
  host: string;
  envFile: string;
  /** left: not written (unreachable, refused, or the phase stopped first); restored: written, then put back. */
  state: 'updated' | 'unchanged' | 'missing' | 'left' | 'restored';
  /** The variables written (updated). */
  changed?: string[];
  /** Where the original is kept on the host (updated). */
  backup?: string;
  reason?: string;
}

export interface MemberEnvFilesReport {
  /** The full member list written into each file. */
  initialCluster: string;
  files: MemberEnvFileOutcome[];
  /** One line per file that does not list every member: the host, the file, and what to write there. */
  leftByHand: string[];
}

/** The backups of this phase are its own: a new member's join saved its original under the run key alone. */
export const memberEnvBackupSuffix = (key: string): string => `${key}.members`;

export interface MemberFile {
  name: string;
  peerURLs: string[];
  target: SshTarget;
}

/** Every member after the run, in the one order (originals first), each with how its host is reached. */
function memberFiles(
  request: ScaleOutRequest,
  before: ClusterState,
  joined: ScaleOutPlan['steps'],
): MemberFile[] {
  return [
    ...orderedMembers(
      request.cluster.endpoints,
      before.members.filter((m) => m.name && m.clientURLs.length),
    ).map((m) => ({
      name: m.name,
      peerURLs: m.peerURLs,
      target: hostSshTarget(request, hostOf(m.clientURLs[0])),
    })),
    ...joined.map((s) => ({
      name: s.member.name,
      peerURLs: [s.member.peerURL],
      target: sshTarget(request, s.member),
    })),
  ];
}

const HOST_FAILURES: string[] = [
  ErrorType.SshFailed,
  ErrorType.SshAuthRejected,
  ErrorType.HostKeyRejected,
];

/** A failure of the host itself (SSH does not connect, the host key or the key is refused): that member is left. */
const hostDidNotAnswer = (err: unknown): boolean => {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return (
    cause instanceof ApplicationFailure &&
    HOST_FAILURES.includes(cause.type ?? '')
  );
};

/** What one member's file came to, without the fields every outcome shares. */
type Outcome = Omit<MemberEnvFileOutcome, 'member' | 'host' | 'envFile'>;

/** The phase's state: the report so far and the phase's own undos. */
interface PhaseState {
  request: ClusterSettings;
  suffix: string;
  report: MemberEnvFilesReport;
  undo: Compensations;
  outcome: (m: MemberFile, o: Outcome) => void;
}

const actsFor =
  (request: ClusterSettings, m: MemberFile) =>
  (policy: 'change' | 'compensate') =>
    activities(
      policy,
      request.strategy,
      activitySummary('memberEnvFiles', m.name),
    );

/** One member's file: its undo registered first (a write whose answer was lost may have happened), then the write. */
async function updateOne(p: PhaseState, m: MemberFile): Promise<void> {
  const { envFile } = p.request.node;
  const acts = actsFor(p.request, m);
  p.undo.register(
    `put back ${envFile} on ${m.target.host} (${m.name})`,
    async (record) => {
      const r = await acts('compensate').restoreEnvFile(
        m.target,
        envFile,
        p.suffix,
      );
      if (r.restored !== 'previous') return;
      record(`restored ${envFile} on ${m.target.host} (${m.name})`);
      const entry = p.report.files.find((f) => f.member === m.name);
      if (entry) entry.state = 'restored';
    },
  );
  try {
    const w = await acts('change').updateMemberEnvFile(
      m.target,
      envFile,
      m,
      p.report.initialCluster,
      p.suffix,
    );
    if (w.state === 'refused')
      p.outcome(m, { state: 'left', reason: w.reason });
    else if (w.state === 'missing') p.outcome(m, { state: 'missing' });
    else
      p.outcome(m, {
        state: w.state,
        ...(w.changed.length ? { changed: w.changed } : {}),
        ...(w.backup ? { backup: w.backup } : {}),
      });
  } catch (err) {
    if (!hostDidNotAnswer(err)) throw err;
    p.outcome(m, {
      state: 'left',
      reason: `the host did not answer: ${causeOf(err)}`,
    });
  }
}

/** The phase stopped: the members not reached are left, and every file it changed is put back. */
async function stopPhase(
  p: PhaseState,
  members: MemberFile[],
  err: unknown,
): Promise<void> {
  const why = isCancellation(err) ? 'the run was cancelled' : causeOf(err);
  const done = new Set(p.report.files.map((f) => f.member));
  for (const m of members.filter((x) => !done.has(x.name)))
    p.outcome(m, { state: 'left', reason: `the phase stopped first (${why})` });
  const undone = await CancellationScope.nonCancellable(() =>
    p.undo.runAll(causeOf),
  );
  for (const n of undone.notUndone)
    p.report.leftByHand.push(`could not put back: ${n}`);
}

/** Brings every member's env file up to date; undefined when no member joined (nothing to write). */
export async function updateMemberEnvFiles(
  request: ScaleOutRequest,
  before: ClusterState,
  plan: ScaleOutPlan,
  progress: Progress,
): Promise<MemberEnvFilesReport | undefined> {
  const verified = new Set(
    progress.members
      .filter((m) => m.state === 'verified')
      .map((m) => m.peerURL),
  );
  const joined = plan.steps.filter((s) => verified.has(s.member.peerURL));
  if (!joined.length) return undefined;
  return writeMemberEnvFiles(
    request,
    memberFiles(request, before, joined),
    joined[joined.length - 1].initialCluster,
    memberEnvBackupSuffix(runKey()),
  );
}

/** Runs that wrote the files one after another replay that way (`patched`). */
const IN_PARALLEL = 'member-env-files-in-parallel';

/**
 * Every write to its end, then the first failure, if any: the phase's undo must not start while a
 * write is still in flight (a late write would land after its file was put back).
 */
async function allThenFirstFailure(writes: Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((x) => x.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Every given member's file gets `initialCluster` (the scale-out's full list; a removal's reduced
 * one, steps/removeMember.ts); originals kept under `suffix`. The writes go out at once: each is
 * atomic (a rename on the host) and read only at that member's next bootstrap, so writing them one
 * after another bought nothing and cost one SSH round trip per member (1.1 s for five). Each undo is
 * registered before its write, so a failure still puts back every file written.
 */
export async function writeMemberEnvFiles(
  request: ClusterSettings,
  members: MemberFile[],
  initialCluster: string,
  suffix: string,
): Promise<MemberEnvFilesReport> {
  const { envFile } = request.node;
  const report: MemberEnvFilesReport = {
    initialCluster,
    files: [],
    leftByHand: [],
  };
  const p: PhaseState = {
    request,
    suffix,
    report,
    undo: new Compensations(),
    outcome: (m, o) =>
      report.files.push({ member: m.name, host: m.target.host, envFile, ...o }),
  };
  try {
    if (patched(IN_PARALLEL))
      await allThenFirstFailure(members.map((m) => updateOne(p, m)));
    else for (const m of members) await updateOne(p, m);
  } catch (err) {
    await stopPhase(p, members, err);
  }
  // In the members' order, whichever write answered first.
  const order = new Map(members.map((m, i) => [m.name, i]));
  report.files.sort(
    (a, b) => (order.get(a.member) ?? 0) - (order.get(b.member) ?? 0),
  );
  for (const f of report.files.filter(
    (x) => x.state === 'left' || x.state === 'restored',
  ))
    report.leftByHand.push(
      `${f.envFile} on ${f.host} (member ${f.member}) ${f.state === 'restored' ? 'was put back as it was' : `was not updated (${f.reason})`}: write ${membershipLines(report.initialCluster).join(' and ')} there (no restart needed)`,
    );
  return report;
}
