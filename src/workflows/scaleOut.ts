/**
 * scaleOutEtcd: the runbook, as a workflow.
 *
 *   validate -> preflight -> backup -> canary -> verify -> batch -> result
 *
 * Every change is preceded by the registration of its undo (a `member add` whose answer was lost may
 * still have happened). On failure the undos run in reverse, in a non-cancellable scope, and the run
 * fails naming the failed step and what was undone. Deterministic code only: all I/O is in activities.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities, BackupRecord, ClusterState, NodeFacts, SshTarget } from '../activities';
import { decisionProblem } from '../domain/decision';
import { ErrorType, NON_RETRYABLE } from '../domain/errors';
import { fileSafe } from '../domain/runNames';
import { memberEnv, planScaleOut, PlanError, votersAfterCanary, type JoinStep, type MemberInfo, type ScaleOutPlan } from '../domain/planning';
import { formatErrors, validateRequest, type NewMember, type ScaleOutRequest } from '../domain/request';
import { EtcdCluster, RequestedBy, ScaleOutPhase, TicketId } from './searchAttributes';
import { approveSignal, decideUpdate, progressQuery, rejectSignal, type ApprovalState, type Decision, type MemberTimings, type Phase, type Progress } from './messages';


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
  warnings: string[];
  /** Set when the approval timed out with onApprovalTimeout "keep-canary": the batch was not run. */
  stoppedAfterCanary?: boolean;
  approval: ApprovalState;
  notification?: { delivered: boolean; status?: number; error?: string };
}


// ---------------------------------------------------------------------------------------------------
// Activity proxies: one per phase, so each activity in the history carries its phase as a summary.

const retry = (attempts: number, maximumInterval: ActivityOptions['startToCloseTimeout'] = '10s'): ActivityOptions['retry'] => ({
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts: attempts > 0 ? attempts : undefined, // 0: until the schedule-to-close deadline
  nonRetryableErrorTypes: NON_RETRYABLE,
});

/**
 * Every activity heartbeats each second while it runs (the worker's keepAlive interceptor), so a
 * killed worker's activity times out after HEARTBEAT_TIMEOUT and is retried on another worker.
 */
const HEARTBEAT_TIMEOUT = '5s';

const activitiesFor = (phase: string, options: Partial<ActivityOptions> = {}) =>
  proxyActivities<Activities>({ startToCloseTimeout: '2m', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: retry(5), summary: phase, ...options });

// ---------------------------------------------------------------------------------------------------

export async function scaleOutEtcd(input: unknown): Promise<ScaleOutResult> {
  const progress: Progress = { phase: 'validate', members: [], undone: [], approval: { required: false, state: 'not-required' }, startedAt: new Date().toISOString() };
  const run = new Run(progress);
  setHandler(progressQuery, () => progress);
  run.setPhase('validate');

  const request = run.failOnThrow(() => validate(input));
  progress.cluster = request.cluster.name;
  // Runs started from the UI's form may lack these: set them here, so visibility finds every run.
  upsertSearchAttributes([
    { key: EtcdCluster, value: request.cluster.name },
    ...(request.ticket ? [{ key: TicketId, value: request.ticket.id }] : []),
    ...(request.ticket?.requestedBy ? [{ key: RequestedBy, value: request.ticket.requestedBy }] : []),
  ]);
  listenForDecisions(run, request);
  try {
    const { before, plan, nodes } = await run.phase('preflight', () => preflight(request, progress));
    progress.backup = await run.phase('backup', () => backup(request));
    await run.phase('canary', () => joinMembers(run, request, plan, nodes, 'canary'));
    await run.phase('verify', () => verify(request, plan));
    const gate = request.strategy.approval === 'after-canary' ? await run.phase('approval', () => approval(run, request)) : 'proceed';
    if (gate === 'proceed') await run.phase('batch', () => joinMembers(run, request, plan, nodes, 'batch'));
    const done = await run.phase('done', () => result(request, before, plan, progress, gate === 'keep-canary'));
    done.notification = await notify(request, { outcome: 'succeeded', result: done });
    return done;
  } catch (err) {
    const failure = await rollback(run, request, err);
    await notify(request, { outcome: 'failed', error: failure.message, details: failure.details?.[0] });
    throw failure;
  }
}

// ---------------------------------------------------------------------------------------------------
// validate: no I/O before the request is known to be good.

function validate(input: unknown): ScaleOutRequest {
  const v = validateRequest(input);
  if (!v.ok) {
    throw ApplicationFailure.create({ type: ErrorType.InvalidRequest, message: `invalid request: ${formatErrors(v.errors)}`, details: [v.errors], nonRetryable: true });
  }
  return v.request;
}

// ---------------------------------------------------------------------------------------------------
// preflight: reads only. Every problem found is reported at once.

const sshTarget = (request: ScaleOutRequest, m: NewMember): SshTarget => ({
  host: m.host,
  port: m.sshPort ?? request.ssh.port,
  user: request.ssh.user,
  privateKeyFile: request.ssh.privateKeyFile,
  knownHostsFile: request.ssh.knownHostsFile,
});

const portsOf = (m: NewMember) => [Number(new URL(m.peerURL).port), Number(new URL(m.clientURL).port)];

async function preflight(request: ScaleOutRequest, progress: Progress): Promise<{ before: ClusterState; plan: ScaleOutPlan; nodes: NodeFacts[] }> {
  const acts = activitiesFor('preflight');
  const problems: string[] = [];
  const before = await acts.inspectCluster(request.cluster);

  for (const m of before.members) {
    if (!m.isLearner && !m.healthy) problems.push(`member ${m.name || m.id} (${m.peerURLs.join(',')}) is not healthy: ${m.error}`);
  }
  if (!before.leaderId) problems.push('the cluster has no leader its members agree on');
  if (before.alarms.length) problems.push(`alarms raised: ${before.alarms.join(', ')}`);

  let plan: ScaleOutPlan | undefined;
  try {
    plan = planScaleOut(request, before.members);
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    problems.push(err.message);
  }

  const nodes = await Promise.all(
    request.newMembers.map(async (m, i) => {
      try {
        return await acts.inspectNode(sshTarget(request, m), request.node, portsOf(m));
      } catch (err) {
        if (isCancellation(err)) throw err; // a cancelled run is Cancelled, not a node problem
        problems.push(`newMembers[${i}] ${m.name} (${m.host}): ${causeOf(err)}`);
        return undefined;
      }
    }),
  );
  nodes.forEach((n, i) => {
    if (!n) return;
    const m = request.newMembers[i];
    const at = `newMembers[${i}] ${m.name} (${m.host})`;
    if (!n.etcdVersion) problems.push(`${at}: ${request.node.etcdBinary} --version gave no etcd version: ${n.etcdVersionOutput}`);
    else if (before.version && n.etcdVersion !== before.version) problems.push(`${at}: etcd ${n.etcdVersion} on the node, ${before.version} in the cluster; install the same version first`);
    for (const c of n.portConflicts) problems.push(`${at}: port ${c.wanted} is already in use (listening on ${c.address}:${c.port})`);
    if (n.serviceActive) problems.push(`${at}: service ${request.node.service} is already running; stop it first (a running etcd on a new node is another cluster or a failed attempt)`);
    if (n.memberDir && request.strategy.staleDataDir === 'fail') {
      problems.push(`${at}: stale data dir ${request.node.dataDir}/member (${n.memberDir.kind}: ${n.memberDir.entries.join(',') || 'empty'}) would make etcd rejoin an old cluster; move it aside or use strategy.staleDataDir "quarantine"`);
    }
  });

  if (problems.length || !plan) {
    const type = problems.some((p) => p.includes('stale data dir')) ? ErrorType.StaleDataDir : ErrorType.PreflightFailed;
    throw ApplicationFailure.create({ type, message: `preflight refused the scale-out of ${request.cluster.name}: ${problems.join('; ')}`, details: [problems], nonRetryable: true });
  }
  progress.from = plan.from;
  progress.to = plan.to;
  progress.members = plan.steps.map((s) => ({ name: s.member.name, peerURL: s.member.peerURL, clientURL: s.member.clientURL, stage: s.stage, state: 'pending', timings: {} }));
  return { before, plan, nodes: nodes as NodeFacts[] };
}

// ---------------------------------------------------------------------------------------------------
// backup: a verified snapshot just before the first change.

async function backup(request: ScaleOutRequest): Promise<BackupRecord> {
  const acts = activitiesFor('backup', { startToCloseTimeout: '30m', retry: retry(3) });
  const { workflowId } = workflowInfo();
  const stem = `${request.cluster.name}-${fileSafe(workflowId)}`;
  return acts.takeSnapshot(request.cluster, request.backup.dir, stem);
}

// ---------------------------------------------------------------------------------------------------
// canary and batch: strictly one member at a time.

async function joinMembers(run: Run, request: ScaleOutRequest, plan: ScaleOutPlan, nodes: NodeFacts[], stage: 'canary' | 'batch'): Promise<void> {
  for (const [i, step] of plan.steps.entries()) {
    if (step.stage === stage) await joinMember(run, request, plan, step, nodes[i]);
  }
}

async function joinMember(run: Run, request: ScaleOutRequest, plan: ScaleOutPlan, step: JoinStep, node: NodeFacts): Promise<void> {
  const { member } = step;
  const p = run.progress.members.find((m) => m.peerURL === member.peerURL)!;
  const phase = `${step.stage} ${member.name}`;
  // Changes are not abandoned on cancel: the undos must run after an in-flight change has ended, not beside it.
  const untilDone = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };
  const acts = activitiesFor(phase, untilDone);
  // etcd refuses a member add for ~5 s after a member (re)connects: ask again every 2 s at most.
  const health = { scheduleToCloseTimeout: request.strategy.healthTimeoutSeconds * 1000, retry: retry(0, '2s') };
  const target = sshTarget(request, member);
  const { workflowId } = workflowInfo();
  const runKey = `etcd-scaleout-${fileSafe(workflowId)}`;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const did = { add: false, env: false, start: false };
  const t0 = Date.now();
  p.state = 'adding';
  p.timings.startedAt = new Date().toISOString();

  if (node.memberDir) {
    run.progress.step = `${member.name}: quarantineDataDir`;
    // Preflight found a stale member/ and the strategy is "quarantine": move it aside, never delete.
    const q = await acts.quarantineDataDir(target, request.node.dataDir, stamp);
    p.quarantined = q.movedTo ?? undefined;
  }

  run.onRollback(`undo ${member.name}`, async () => {
    const undo = activitiesFor(`rollback ${member.name}`, { retry: retry(20) });
    const done: string[] = [];
    // Remove first: a removed member cannot cost quorum, a stopped voter can.
    if (did.add) {
      const r = await undo.removeMember(request.cluster, member.peerURL);
      done.push(r.removed ? `removed member ${member.name} (${r.id})` : `member ${member.name} was not in the cluster`);
    }
    if (did.start) {
      await undo.stopService(target, request.node.service);
      done.push(`stopped ${request.node.service} on ${member.host}`);
      const q = await undo.quarantineDataDir(target, request.node.dataDir, `${stamp}-rollback`);
      if (q.movedTo) done.push(`quarantined ${q.movedTo}`);
    }
    if (did.env) {
      const r = await undo.restoreEnvFile(target, request.node.envFile, runKey);
      done.push(`env file ${request.node.envFile} on ${member.host}: ${r.restored}`);
    }
    p.state = 'rolled-back';
    return done;
  });

  const mark = (name: string) => (run.progress.step = `${member.name}: ${name}`);
  mark('addLearner');
  did.add = true;
  const knownNames = Object.fromEntries(run.progress.members.map((m) => [m.peerURL, m.name]));
  const added = await activitiesFor(phase, { ...health, ...untilDone }).addLearner(request.cluster, { name: member.name, peerURL: member.peerURL }, knownNames);
  p.id = added.id;
  p.timings.addedAt = new Date().toISOString();

  mark('writeEnvFile');
  did.env = true;
  await acts.writeEnvFile(target, request.node.envFile, memberEnv(member, added.initialCluster, request.node.dataDir), runKey);

  mark('startService');
  did.start = true;
  await activitiesFor(phase, { retry: retry(2), ...untilDone }).startService(target, request.node.service);
  p.timings.serviceStartedAt = new Date().toISOString();

  p.state = 'catching-up';
  mark('waitForCatchUp');
  const catchUpDeadline = Date.now() + request.strategy.catchUpTimeoutSeconds * 1000;
  const waiting = activitiesFor(phase, {
    startToCloseTimeout: (request.strategy.catchUpTimeoutSeconds + 60) * 1000,
    retry: retry(0, '5s'),
    scheduleToCloseTimeout: (request.strategy.catchUpTimeoutSeconds + 120) * 1000,
  });
  await waiting.waitForCatchUp(request.cluster, member, catchUpDeadline);
  p.timings.caughtUpAt = new Date().toISOString();

  mark('promoteMember');
  await waiting.promoteMember(request.cluster, member, Date.now() + request.strategy.healthTimeoutSeconds * 1000);
  p.state = 'promoted';
  p.timings.promotedAt = new Date().toISOString();

  mark('verifyCluster');
  await activitiesFor(phase, health).verifyCluster(request.cluster, { voters: step.afterPromote.voters, through: member.clientURL, probeKey: `/etcd-scaleout/verify/${workflowId}/${member.name}` });
  p.state = 'verified';
  p.timings.verifiedAt = new Date().toISOString();
  p.timings.totalMs = Date.now() - t0;
}

// ---------------------------------------------------------------------------------------------------
// verify: after the canary, the whole cluster once more before going on.

async function verify(request: ScaleOutRequest, plan: ScaleOutPlan): Promise<void> {
  const voters = votersAfterCanary(plan);
  const acts = activitiesFor('verify', { scheduleToCloseTimeout: request.strategy.healthTimeoutSeconds * 1000, retry: retry(0, '2s') });
  await acts.verifyCluster(request.cluster, { voters, probeKey: `/etcd-scaleout/verify/${workflowInfo().workflowId}/canary` });
}

// ---------------------------------------------------------------------------------------------------
// approval: optionally, a human looks at the verified canary before the batch.

function listenForDecisions(run: Run, request: ScaleOutRequest): void {
  const check = (d: Decision): string | undefined => {
    if (typeof d?.approve !== 'boolean') return 'a decision is { approve: boolean, by: string, reason?: string }';
    const problem = decisionProblem(d, request.strategy.approvers);
    if (problem) return problem;
    if (run.progress.approval.state !== 'waiting') return `no decision is awaited: the run is in phase ${run.progress.phase} (approval ${run.progress.approval.state})`;
    return undefined;
  };
  const accept = (d: Decision) => {
    run.decision = { approve: d.approve, by: d.by, ...(d.reason ? { reason: d.reason } : {}) };
    return run.progress.approval;
  };
  setHandler(decideUpdate, async (d) => accept(d), {
    validator: (d) => {
      const problem = check(d);
      if (problem) throw new Error(problem);
    },
  });
  for (const [signal, approve] of [[approveSignal, true], [rejectSignal, false]] as const) {
    setHandler(signal, (d: Decision) => {
      const decision = { ...(d ?? {}), approve } as Decision;
      const problem = check(decision);
      if (problem) log.warn(`ignored ${approve ? 'approve' : 'reject'} signal: ${problem}`);
      else accept(decision);
    });
  }
}

async function approval(run: Run, request: ScaleOutRequest): Promise<'proceed' | 'keep-canary'> {
  const a = run.progress.approval;
  a.required = true;
  a.state = 'waiting';
  a.waitingSince = new Date().toISOString();
  a.deadline = new Date(Date.now() + request.strategy.approvalTimeout * 1000).toISOString();
  const decided = await condition(() => run.decision !== undefined, request.strategy.approvalTimeout * 1000);
  if (!decided) {
    a.state = 'timed-out';
    if (request.strategy.onApprovalTimeout === 'keep-canary') return 'keep-canary';
    throw ApplicationFailure.create({ type: ErrorType.ApprovalTimedOut, message: `no decision within ${request.strategy.approvalTimeout}s (strategy.approvalTimeout)`, nonRetryable: true });
  }
  const d = run.decision!;
  Object.assign(a, { state: d.approve ? 'approved' : 'rejected', decidedBy: d.by, decidedAt: new Date().toISOString(), reason: d.reason });
  if (!d.approve) throw ApplicationFailure.create({ type: ErrorType.ApprovalRejected, message: `rejected by ${d.by}${d.reason ? `: ${d.reason}` : ''}`, nonRetryable: true });
  return 'proceed';
}

// ---------------------------------------------------------------------------------------------------
// notify: tell the ticketing system how the run ended (optional; never changes the outcome).

async function notify(request: ScaleOutRequest, payload: Record<string, unknown>): Promise<ScaleOutResult['notification']> {
  if (!request.notify) return undefined;
  const acts = activitiesFor('notify', { startToCloseTimeout: '30s', retry: { ...retry(10, '1m'), nonRetryableErrorTypes: [] } });
  const { workflowId, runId } = workflowInfo();
  return CancellationScope.nonCancellable(async () => {
    try {
      const r = await acts.notifyWebhook(request.notify!.webhookUrl, request.notify!.secretFile, { workflowId, runId, cluster: request.cluster.name, ticket: request.ticket ?? null, ...payload });
      return { delivered: true, status: r.status };
    } catch (err) {
      log.error(`webhook ${request.notify!.webhookUrl} not notified: ${causeOf(err)}`);
      return { delivered: false, error: causeOf(err) };
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// result: what changed, for the operator and for kube-apiserver's --etcd-servers.

async function result(request: ScaleOutRequest, before: ClusterState, plan: ScaleOutPlan, progress: Progress, stoppedAfterCanary: boolean): Promise<ScaleOutResult> {
  const after = await activitiesFor('result').inspectCluster(request.cluster);
  const summary = (m: MemberInfo): MemberSummary => ({ id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner });
  return {
    workflowId: workflowInfo().workflowId,
    cluster: request.cluster.name,
    from: plan.from,
    to: stoppedAfterCanary ? votersAfterCanary(plan) : plan.to,
    membersBefore: before.members.map(summary),
    membersAfter: after.members.map(summary),
    timings: Object.fromEntries(progress.members.map((m) => [m.name, m.timings])),
    backup: progress.backup!,
    etcdServers: after.members.flatMap((m) => m.clientURLs),
    warnings: stoppedAfterCanary ? [...plan.warnings, 'approval timed out: kept the canary, did not add the batch'] : plan.warnings,
    approval: progress.approval,
    ...(stoppedAfterCanary ? { stoppedAfterCanary } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// rollback: the registered undos in reverse, not cancellable, each retried; then a typed failure.

async function rollback(run: Run, request: ScaleOutRequest, err: unknown): Promise<ApplicationFailure> {
  if (run.progress.approval.state === 'waiting') run.progress.approval.state = 'pending';
  const failedStep = run.progress.step && ['canary', 'batch'].includes(run.progress.phase) ? `${run.progress.phase} (${run.progress.step})` : run.progress.phase;
  for (const m of run.progress.members) if (m.state !== 'verified' && m.state !== 'pending') m.state = 'failed';
  const cause = causeOf(err);
  const undone: string[] = [];
  const notUndone: string[] = [];
  run.progress.error = cause;
  const plannedUndos = run.undos.length;
  if (plannedUndos > 0 && request.strategy.rollback === 'all') {
    run.setPhase('rollback');
    await CancellationScope.nonCancellable(async () => {
      for (const undo of [...run.undos].reverse()) {
        try {
          undone.push(...(await undo.run()));
        } catch (e) {
          notUndone.push(`${undo.description}: ${causeOf(e)}`);
        }
      }
    });
  } else if (plannedUndos > 0) {
    notUndone.push(...run.undos.map((u) => `${u.description} (strategy.rollback is "none")`));
  }
  run.progress.undone = undone;
  run.setPhase('failed');
  const type = err instanceof ApplicationFailure && KEEP_TYPE.includes(err.type ?? '') ? err.type! : isCancellation(err) ? ErrorType.Cancelled : ErrorType.ScaleOutFailed;
  const cancelled = isCancellation(err) ? ' (cancelled)' : '';
  const message =
    `scale-out of ${request.cluster.name} failed in ${failedStep}${cancelled}: ${cause}` +
    (plannedUndos ? `; undone: ${undone.length ? undone.join('; ') : 'nothing'}` : '; nothing had changed') +
    (notUndone.length ? `; NOT undone: ${notUndone.join('; ')}` : '');
  return ApplicationFailure.create({ type, message, details: [{ failedStep, cause, undone, notUndone }], nonRetryable: true, cause: err instanceof Error ? err : undefined });
}

/** Failure types that the run's final error keeps (the rest become ScaleOutFailed). */
const KEEP_TYPE: string[] = [ErrorType.PreflightFailed, ErrorType.StaleDataDir, ErrorType.ApprovalRejected, ErrorType.ApprovalTimedOut];

/** The innermost message of an activity or application failure. */
function causeOf(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure) return e.type ? `${e.type}: ${e.message}` : e.message;
  if (isCancellation(e)) return 'the run was cancelled';
  return e instanceof Error ? e.message || e.name : String(e);
}

// ---------------------------------------------------------------------------------------------------

interface Undo {
  description: string;
  run: () => Promise<string[]>;
}

/** The run's bookkeeping: current phase (query + search attribute) and the registered undos. */
class Run {
  readonly undos: Undo[] = [];
  decision?: Decision;
  constructor(readonly progress: Progress) {}

  setPhase(phase: Phase): void {
    this.progress.phase = phase;
    upsertSearchAttributes([{ key: ScaleOutPhase, value: phase }]);
  }

  async phase<T>(phase: Phase, body: () => Promise<T>): Promise<T> {
    this.setPhase(phase);
    this.progress.step = undefined;
    return body();
  }

  /** Marks the run failed (for the UI's phase filter) if `body` throws, and rethrows. */
  failOnThrow<T>(body: () => T): T {
    try {
      return body();
    } catch (err) {
      this.setPhase('failed');
      throw err;
    }
  }

  onRollback(description: string, run: () => Promise<string[]>): void {
    this.undos.push({ description, run });
  }
}
