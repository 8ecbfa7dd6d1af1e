#!/usr/bin/env node
/**
 * etcd-scaleout: the operator's command line.
 *
 *   start REQUEST.json [--wait] [--workflow-id ID]    start a scale-out (prints the workflow ID)
 *   plan REQUEST.json [--json]                        dry run: reads the live member list, changes nothing
 *   status WORKFLOW_ID [--watch] [--json]             status, phase, members, approval
 *   approve|reject WORKFLOW_ID --by NAME [--reason T] decide at the approval gate (update `decide`)
 *   cancel WORKFLOW_ID                                cancel a run (it rolls back what it changed)
 *   list [--cluster NAME] [--ticket ID] [--json]      runs by cluster and ticket (visibility query)
 *   audit WORKFLOW_ID [--run-id RUN] [--json|--markdown]  the audit report, from the run's history
 *
 * Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE.
 * Exit codes: 0 ok, 1 the run failed, 2 usage or invalid input (or a refused decision), 3 not found,
 * 4 server (Temporal or etcd) unreachable.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  NamespaceNotFoundError,
  isGrpcServiceError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { buildAuditReport, renderAuditMarkdown } from '../audit/report';
import { connectClient, InvalidRequestError, runLabels, scaleOutRunsQuery, startScaleOut } from '../client';
import { createEtcdActivities, etcdConnector } from '../activities/etcd/activities';
import { describePlan, planScaleOut, PlanError } from '../domain/planning';
import { taskQueue, temporalAddress, temporalNamespace } from '../config';
import { TICKET, validateRequest, type FieldError, type ScaleOutRequest } from '../domain/request';
import type { Progress, ApprovalState, Decision } from '../workflows/messages';
import type { ScaleOutResult } from '../workflows';

export const EXIT = { ok: 0, runFailed: 1, usage: 2, notFound: 3, unreachable: 4 } as const;

/** An error the CLI reports as one clear message with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

const USAGE = `usage: etcd-scaleout <command> [options]

commands:
  start REQUEST.json [--wait] [--workflow-id ID]      start a scale-out; prints the workflow ID
                                                      (--wait: then the result JSON; exit 1 if the run failed)
  plan REQUEST.json [--json]                          dry run: validate, read the live member list, print the steps
  status WORKFLOW_ID [--watch] [--json]               status, phase, members, approval (--watch: until the run ends)
  approve WORKFLOW_ID --by NAME [--reason TEXT]       approve the batch after the canary
  reject WORKFLOW_ID --by NAME [--reason TEXT]        reject: the run rolls back the canary
  cancel WORKFLOW_ID                                  cancel a run; it undoes what it changed
  list [--cluster NAME] [--ticket ID] [--json]        runs, newest first
  audit WORKFLOW_ID [--run-id RUN] [--json|--markdown]  audit report from the run's history (markdown by default)

environment: TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (etcd-scaleout)
exit codes: 0 ok, 1 run failed (start --wait, status), 2 usage, invalid input or refused decision, 3 not found,
            4 server unreachable (Temporal, or etcd for plan)`;

const usage = (message: string) => new CliError(`${message} (etcd-scaleout help: usage)`, EXIT.usage);

// ---------------------------------------------------------------------------------------------------

type Options = NonNullable<ParseArgsConfig['options']>;

function parse(command: string, args: string[], options: Options, positionals: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (parsed.values.help) throw new CliError(USAGE, EXIT.ok);
  if (parsed.positionals.length !== positionals.length) {
    const want = positionals.length ? positionals.join(' ') : 'no arguments';
    throw usage(`expects ${want}, got ${parsed.positionals.length ? parsed.positionals.map((p) => JSON.stringify(p)).join(' ') : 'none'}`);
  }
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
}

const where = () => `Temporal at ${temporalAddress()} (namespace ${temporalNamespace()})`;

async function connect(): Promise<Client> {
  try {
    return await connectClient();
  } catch (err) {
    throw new CliError(`cannot reach ${where()}: ${(err as Error).message}; set TEMPORAL_ADDRESS to the frontend's host:port`, EXIT.unreachable);
  }
}

/** Maps Temporal client errors to operator messages and exit codes. */
function translate(err: unknown, workflowId?: string): never {
  if (err instanceof CliError) throw err;
  if (err instanceof WorkflowNotFoundError) {
    throw new CliError(`workflow ${workflowId ?? err.workflowId} not found in namespace ${temporalNamespace()} at ${temporalAddress()}${err.message && !/not found/i.test(err.message) ? ` (${err.message})` : ''}`, EXIT.notFound);
  }
  if (err instanceof NamespaceNotFoundError) throw new CliError(`namespace ${temporalNamespace()} not found at ${temporalAddress()}; set TEMPORAL_NAMESPACE`, EXIT.notFound);
  const grpc = grpcCode(err);
  if (grpc === 14 || grpc === 4) throw new CliError(`${where()} did not answer: ${(err as Error).message}`, EXIT.unreachable);
  if (grpc === 5) throw new CliError(`not found: ${(err as Error).message}`, EXIT.notFound);
  if (grpc === 3) throw new CliError(`refused by ${where()}: ${(err as Error).message}`, EXIT.usage);
  throw err;
}

function grpcCode(err: unknown): number | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    if (isGrpcServiceError(e)) return e.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

async function readRequest(file: string): Promise<{ raw: unknown; request: ScaleOutRequest }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read request file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(`request file ${file} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
  }
  const v = validateRequest(raw);
  if (!v.ok) throw invalid(file, v.errors);
  return { raw, request: v.request };
}

const invalid = (file: string, errors: FieldError[]) =>
  new CliError(`invalid request ${file} (${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was started):\n${errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}`, EXIT.usage);

/** Describes the run; unknown workflow -> exit 3. */
async function describe(client: Client, workflowId: string): Promise<WorkflowExecutionDescription> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    translate(err, workflowId);
  }
}

async function queryProgress(client: Client, workflowId: string, timeoutMs: number, runTaskQueue: string): Promise<{ progress?: Progress; error?: string }> {
  try {
    const progress = await client.withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(workflowId).query<Progress>('progress'));
    return { progress };
  } catch (err) {
    const code = grpcCode(err);
    if (code === 14) translate(err, workflowId);
    const detail = [(err as Error).message, ((err as { cause?: { details?: string } }).cause?.details ?? '')].filter(Boolean).join(': ');
    return { error: `the progress query got no answer${code === 4 ? ` within ${timeoutMs / 1000} s` : ''} (is a worker polling task queue ${runTaskQueue}?): ${detail}` };
  }
}

const failureMessage = (err: unknown): { type?: string; message: string } => {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? undefined, message: cause.message };
  return { message: cause instanceof Error ? cause.message : String(cause) };
};

// ---------------------------------------------------------------------------------------------------
// start

async function cmdStart(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('start', args, { wait: { type: 'boolean' }, 'workflow-id': { type: 'string' } }, ['REQUEST.json']);
  const { raw } = await readRequest(positionals[0]);
  const client = await connect();
  try {
    let started;
    try {
      started = await startScaleOut(client, raw, { workflowId: values['workflow-id'] as string | undefined });
    } catch (err) {
      if (err instanceof InvalidRequestError) throw invalid(positionals[0], err.errors);
      translate(err);
    }
    const { handle, workflowId, alreadyStarted } = started;
    io.out(workflowId);
    io.err(
      alreadyStarted
        ? `a run with workflow ID ${workflowId} already exists (one run per ticket): not started again`
        : `started ${workflowId} on task queue ${taskQueue()} at ${where()}; follow it with: etcd-scaleout status ${workflowId} --watch`,
    );
    if (!values.wait) return EXIT.ok;
    try {
      const result = await handle.result();
      io.out(JSON.stringify(result, null, 2));
      return EXIT.ok;
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const f = failureMessage(err);
        io.err(`run ${workflowId} failed${f.type ? ` (${f.type})` : ''}: ${f.message}`);
        io.err(`audit: etcd-scaleout audit ${workflowId}`);
        return EXIT.runFailed;
      }
      translate(err, workflowId);
    }
  } finally {
    await client.connection.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// plan (no Temporal: reads the cluster through the etcd adapter, changes nothing)

async function cmdPlan(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('plan', args, { json: { type: 'boolean' } }, ['REQUEST.json']);
  const { request } = await readRequest(positionals[0]);
  const etcd = createEtcdActivities({ connect: etcdConnector() });
  let state;
  try {
    state = await etcd.inspectCluster(request.cluster);
  } catch (err) {
    throw new CliError(`cannot read the member list of cluster ${request.cluster.name} through ${request.cluster.endpoints.join(', ')}: ${(err as Error).message}`, EXIT.unreachable);
  }
  let plan;
  try {
    plan = planScaleOut(request, state.members);
  } catch (err) {
    if (err instanceof PlanError) throw new CliError(`the plan is refused for cluster ${request.cluster.name} (nothing was changed): ${err.message}`, EXIT.usage);
    throw err;
  }
  const problems: string[] = [];
  for (const m of state.members) if (!m.isLearner && !m.healthy) problems.push(`member ${m.name || m.id} (${m.peerURLs.join(',')}) is not healthy: ${m.error}`);
  if (!state.leaderId) problems.push('the cluster has no leader its members agree on');
  if (state.alarms.length) problems.push(`alarms raised: ${state.alarms.join(', ')}`);
  const lines = describePlan(plan, request);

  if (values.json) {
    io.out(JSON.stringify({ cluster: request.cluster.name, clusterId: state.clusterId, leaderId: state.leaderId, members: state.members, plan, steps: lines, problems }, null, 2));
    return EXIT.ok;
  }
  io.out(`dry run for cluster ${request.cluster.name}: ${plan.from} -> ${plan.to} voting members (nothing was changed)`);
  io.out('');
  io.out(`live members (cluster ID ${state.clusterId}, read through ${request.cluster.endpoints.join(', ')}):`);
  for (const m of state.members) {
    io.out(`  ${(m.name || '(unstarted)').padEnd(12)} ${m.id.padEnd(20)} ${(m.isLearner ? 'learner' : 'voter').padEnd(7)} ${(m.healthy ? 'healthy' : `UNHEALTHY: ${m.error}`).padEnd(9)}${m.id === state.leaderId ? ' leader' : ''}  ${m.peerURLs.join(',')}`);
  }
  io.out('');
  io.out('steps:');
  for (const l of lines) io.out(`  ${l}`);
  io.out('');
  io.out('initial cluster per new member:');
  for (const s of plan.steps) io.out(`  ${s.member.name}: ETCD_INITIAL_CLUSTER=${s.initialCluster}`);
  for (const w of plan.warnings) io.out(`warning: ${w}`);
  for (const p of problems) io.out(`preflight would refuse: ${p}`);
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------
// status

interface StatusView {
  workflowId: string;
  runId: string;
  status: string;
  cluster?: string;
  ticket?: string;
  requestedBy?: string;
  phase?: string;
  startTime: string;
  closeTime?: string;
  progress?: Progress;
  progressError?: string;
  result?: ScaleOutResult;
  failure?: { type?: string; message: string };
}

async function statusView(client: Client, workflowId: string): Promise<StatusView> {
  const d = await describe(client, workflowId);
  const view: StatusView = {
    workflowId,
    runId: d.runId,
    status: d.status.name,
    ...runLabels(d.typedSearchAttributes),
    startTime: d.startTime.toISOString(),
    ...(d.closeTime ? { closeTime: d.closeTime.toISOString() } : {}),
  };
  const q = await queryProgress(client, workflowId, d.status.name === 'RUNNING' ? 5_000 : 3_000, d.taskQueue);
  if (q.progress) {
    view.progress = q.progress;
    view.phase = q.progress.phase;
  } else view.progressError = q.error;
  if (d.status.name === 'COMPLETED') view.result = await client.workflow.getHandle(workflowId, d.runId).result();
  else if (d.status.name !== 'RUNNING') {
    try {
      await client.workflow.getHandle(workflowId, d.runId).result();
    } catch (err) {
      view.failure = failureMessage(err);
    }
  }
  return view;
}

function approvalLine(a: ApprovalState, workflowId: string): string {
  switch (a.state) {
    case 'not-required':
      return 'not required';
    case 'pending':
      return 'required after the canary (not reached yet)';
    case 'waiting':
      return `WAITING since ${a.waitingSince}, deadline ${a.deadline}; decide with: etcd-scaleout approve|reject ${workflowId} --by NAME [--reason TEXT]`;
    default:
      return `${a.state}${a.decidedBy ? ` by ${a.decidedBy} at ${a.decidedAt}` : ''}${a.reason ? ` (${a.reason})` : ''}`;
  }
}

function renderStatus(v: StatusView): string {
  const out: string[] = [];
  const row = (k: string, val: string | number | undefined) => val !== undefined && val !== '' && out.push(`${k.padEnd(10)} ${val}`);
  row('workflow', `${v.workflowId} (run ${v.runId})`);
  row('status', v.status);
  row('cluster', v.cluster);
  row('ticket', v.ticket ? `${v.ticket}${v.requestedBy ? `, requested by ${v.requestedBy}` : ''}` : undefined);
  const p = v.progress;
  row('phase', `${v.phase ?? 'unknown'}${p?.step ? ` (${p.step})` : ''}`);
  if (p?.from !== undefined) row('size', `${p.from} -> ${p.to} voting members`);
  row('started', v.startTime);
  row('closed', v.closeTime);
  if (p) {
    row('approval', approvalLine(p.approval, v.workflowId));
    if (p.members.length) {
      out.push('members');
      for (const m of p.members) {
        out.push(`  ${m.name.padEnd(12)} ${m.stage.padEnd(6)} ${m.state.padEnd(12)} ${m.peerURL}${m.id ? `  id ${m.id}` : ''}${m.quarantined ? `  (stale data dir moved to ${m.quarantined})` : ''}`);
      }
    }
    if (p.backup) row('backup', `${p.backup.path} (revision ${p.backup.revision}, sha256 ${p.backup.sha256.slice(0, 16)}..., from ${p.backup.member})`);
    if (p.undone.length) row('undone', p.undone.join('; '));
    if (p.error && !v.failure) row('error', p.error);
  } else if (v.progressError) row('progress', `unavailable: ${v.progressError}`);
  if (v.result) {
    row('result', `${v.result.from} -> ${v.result.to} members: ${v.result.membersAfter.map((m) => `${m.name}${m.isLearner ? ' (learner)' : ''}`).join(', ')}`);
    row('servers', `--etcd-servers=${v.result.etcdServers.join(',')}`);
    for (const w of v.result.warnings) row('warning', w);
  }
  if (v.failure) row('failure', `${v.failure.type ? `${v.failure.type}: ` : ''}${v.failure.message}`);
  return out.join('\n');
}

const exitForStatus = (status: string) => (status === 'RUNNING' || status === 'COMPLETED' ? EXIT.ok : EXIT.runFailed);

async function cmdStatus(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('status', args, { watch: { type: 'boolean' }, json: { type: 'boolean' }, interval: { type: 'string' } }, ['WORKFLOW_ID']);
  const workflowId = positionals[0];
  const intervalMs = values.interval !== undefined ? Number(values.interval) * 1000 : 1000;
  if (!Number.isFinite(intervalMs) || intervalMs < 100) throw usage(`--interval must be a number of seconds >= 0.1, got ${JSON.stringify(values.interval)}`);
  const client = await connect();
  try {
    const show = (v: StatusView) => (values.json ? JSON.stringify(v) : renderStatus(v));
    let view = await statusView(client, workflowId);
    let last = show(view);
    io.out(last);
    if (!values.watch) return exitForStatus(view.status);
    while (view.status === 'RUNNING') {
      await new Promise((r) => setTimeout(r, intervalMs));
      view = await statusView(client, workflowId);
      const next = show(view);
      if (next === last) continue;
      last = next;
      if (io.isTTY && !values.json) io.out('\x1b[2J\x1b[H' + next);
      else io.out(values.json ? next : `\n${'-'.repeat(20)} ${new Date().toISOString()}\n${next}`);
    }
    return exitForStatus(view.status);
  } finally {
    await client.connection.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// approve / reject

async function cmdDecide(approve: boolean, args: string[], io: Io): Promise<number> {
  const command = approve ? 'approve' : 'reject';
  const { values, positionals } = parse(command, args, { by: { type: 'string' }, reason: { type: 'string' } }, ['WORKFLOW_ID']);
  const by = (values.by as string | undefined)?.trim();
  if (!by) throw usage(`--by NAME is required (who decides; the run may restrict it to strategy.approvers)`);
  const workflowId = positionals[0];
  const client = await connect();
  try {
    const d = await describe(client, workflowId);
    if (d.status.name !== 'RUNNING') throw new CliError(`cannot ${command} ${workflowId}: no decision is awaited, the run has ended (${d.status.name})`, EXIT.usage);
    const decision: Decision = { approve, by, ...(values.reason ? { reason: values.reason as string } : {}) };
    let state: ApprovalState;
    try {
      state = await client.withDeadline(Date.now() + 60_000, () => client.workflow.getHandle(workflowId).executeUpdate<ApprovalState, [Decision]>('decide', { args: [decision] }));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const reason = err.cause instanceof Error ? err.cause.message : err.message;
        throw new CliError(`${command} refused by run ${workflowId}: ${reason}`, EXIT.usage);
      }
      const code = grpcCode(err);
      if (code === 4) throw new CliError(`no worker answered the ${command} within 60 s (is a worker polling task queue ${taskQueue()}?); the decision was not recorded`, EXIT.unreachable);
      translate(err, workflowId);
    }
    io.out(`${approve ? 'approved' : 'rejected'} by ${by}${decision.reason ? ` (${decision.reason})` : ''}: ${approve ? 'the run goes on with the batch' : 'the run rolls back the canary and fails as ApprovalRejected'}`);
    void state;
    return EXIT.ok;
  } finally {
    await client.connection.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// cancel

async function cmdCancel(args: string[], io: Io): Promise<number> {
  const { positionals } = parse('cancel', args, {}, ['WORKFLOW_ID']);
  const workflowId = positionals[0];
  const client = await connect();
  try {
    const d = await describe(client, workflowId);
    if (d.status.name !== 'RUNNING') throw new CliError(`cannot cancel ${workflowId}: the run has already ended (${d.status.name})`, EXIT.usage);
    try {
      await client.workflow.getHandle(workflowId).cancel();
    } catch (err) {
      translate(err, workflowId);
    }
    io.out(`cancellation requested for ${workflowId}: the run undoes what it changed, then fails as Cancelled; follow with: etcd-scaleout status ${workflowId} --watch`);
    return EXIT.ok;
  } finally {
    await client.connection.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// list

async function cmdList(args: string[], io: Io): Promise<number> {
  const { values } = parse('list', args, { cluster: { type: 'string' }, ticket: { type: 'string' }, json: { type: 'boolean' }, limit: { type: 'string' } }, []);
  // Filter values go into the visibility query: hold them to the ticket pattern (no quotes possible).
  for (const flag of ['cluster', 'ticket'] as const) {
    const v = values[flag] as string | undefined;
    if (v !== undefined && !TICKET.test(v)) throw usage(`--${flag} ${JSON.stringify(v)} is not a valid ${flag} name (letters, digits and ._:#/-)`);
  }
  const limit = values.limit !== undefined ? Number(values.limit) : 100;
  if (!Number.isInteger(limit) || limit < 1) throw usage(`--limit must be a positive integer, got ${JSON.stringify(values.limit)}`);
  const query = scaleOutRunsQuery({ cluster: values.cluster as string | undefined, ticket: values.ticket as string | undefined });
  const client = await connect();
  try {
    const rows: Array<Record<string, string | undefined>> = [];
    try {
      for await (const w of client.workflow.list({ query })) {
        rows.push({
          workflowId: w.workflowId,
          runId: w.runId,
          status: w.status.name,
          ...runLabels(w.typedSearchAttributes),
          startTime: w.startTime.toISOString(),
          closeTime: w.closeTime?.toISOString(),
        });
        if (rows.length >= limit) break;
      }
    } catch (err) {
      translate(err);
    }
    if (values.json) {
      io.out(JSON.stringify(rows, null, 2));
      return EXIT.ok;
    }
    if (!rows.length) {
      io.err(`no runs match ${query}`);
      return EXIT.ok;
    }
    const cols = ['workflowId', 'status', 'phase', 'cluster', 'ticket', 'requestedBy', 'startTime', 'closeTime'] as const;
    const head = ['WORKFLOW ID', 'STATUS', 'PHASE', 'CLUSTER', 'TICKET', 'REQUESTED BY', 'STARTED', 'CLOSED'];
    const widths = cols.map((c, i) => Math.max(head[i].length, ...rows.map((r) => (r[c] ?? '').length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
    io.out(line(head));
    for (const r of rows) io.out(line(cols.map((c) => r[c] ?? '')));
    return EXIT.ok;
  } finally {
    await client.connection.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// audit

async function cmdAudit(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('audit', args, { json: { type: 'boolean' }, markdown: { type: 'boolean' }, 'run-id': { type: 'string' } }, ['WORKFLOW_ID']);
  if (values.json && values.markdown) throw usage('give --json or --markdown, not both');
  const workflowId = positionals[0];
  const client = await connect();
  try {
    let report;
    try {
      report = await buildAuditReport(client, workflowId, values['run-id'] as string | undefined);
    } catch (err) {
      translate(err, workflowId);
    }
    io.out(values.json ? JSON.stringify(report, null, 2) : renderAuditMarkdown(report));
    return EXIT.ok;
  } finally {
    await client.connection.close();
  }
}

// ---------------------------------------------------------------------------------------------------

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  start: cmdStart,
  plan: cmdPlan,
  status: cmdStatus,
  approve: (a, io) => cmdDecide(true, a, io),
  reject: (a, io) => cmdDecide(false, a, io),
  cancel: cmdCancel,
  list: cmdList,
  audit: cmdAudit,
};

/** Runs one command; returns the exit code (never throws). */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return command ? EXIT.ok : EXIT.usage;
    }
    const run = COMMANDS[command];
    if (!run) throw usage(`unknown command ${JSON.stringify(command)}`);
    return await run(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      (err.exitCode === EXIT.ok ? io.out : io.err)(err.exitCode === EXIT.ok ? err.message : `etcd-scaleout ${command}: ${err.message}`);
      return err.exitCode;
    }
    const code = grpcCode(err);
    if (code === 14) {
      io.err(`etcd-scaleout ${command}: ${where()} is unreachable: ${(err as Error).message}`);
      return EXIT.unreachable;
    }
    io.err(`etcd-scaleout ${command}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT.runFailed;
  }
}

if (require.main === module) {
  const io: Io = {
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
    isTTY: !!process.stdout.isTTY,
  };
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
    // Closed connections let the process end; do not wait on anything left behind.
    setTimeout(() => process.exit(code), 2_000).unref();
  });
}
