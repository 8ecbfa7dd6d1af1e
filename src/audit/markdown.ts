/** The audit report as Markdown, for a ticket or a change record: one function per section. */
import { rootCause } from '../client/failure';
import {
  bullets,
  cell,
  codeBlock,
  duration,
  inline,
} from '../domain/markdownText';
import { outcome, runNoun } from './outcome';
import type { AuditMember, AuditReport } from './types';

export function renderAuditMarkdown(r: AuditReport): string {
  const sections = [
    header,
    outcome,
    phases,
    approvals,
    cancellations,
    backup,
    members,
    activities,
    compensations,
    request,
  ];
  return sections.flatMap((section) => section(r)).join('\n');
}

function header(r: AuditReport): string[] {
  return [
    `# Audit: etcd ${runNoun(r.workflowType)} ${inline(r.workflowId)}`,
    '',
    '| | |',
    '| --- | --- |',
    `| workflow | ${cell(r.workflowId)} |`,
    `| run | ${cell(r.runId)} |`,
    `| type | ${cell(r.workflowType)} |`,
    `| status | **${r.status}** |`,
    `| cluster | ${cell(r.cluster)} |`,
    `| ticket | ${cell(r.ticket.id ?? '(none)')} |`,
    `| requested by | ${cell(r.ticket.requestedBy ?? '(not given)')} |`,
    `| started | ${r.startedAt} |`,
    ...(r.startedBy
      ? [`| started by (client identity) | ${cell(r.startedBy)} |`]
      : []),
    ...(r.closedAt
      ? [`| closed | ${r.closedAt} (${duration(r.durationMs)}) |`]
      : []),
    `| history events | ${r.historyLength} |`,
    `| report generated | ${r.generatedAt} |`,
    '',
  ];
}

function phases(r: AuditReport): string[] {
  return [
    '## Phases',
    '',
    '| # | phase | began | lasted |',
    '| --- | --- | --- | --- |',
    ...r.phases.map(
      (p, i) =>
        `| ${i + 1} | ${cell(p.phase)} | ${p.at} | ${duration(p.durationMs)} |`,
    ),
    '',
  ];
}

function approvals(r: AuditReport): string[] {
  const out = ['## Approvals', ''];
  if (r.approvalGate) {
    const g = r.approvalGate as {
      state?: string;
      decidedBy?: string;
      decidedAt?: string;
      reason?: string;
      required?: boolean;
    };
    out.push(
      `Gate: ${g.required ? 'required' : 'not required'}, state **${cell(g.state)}**${g.decidedBy ? `, decided by ${cell(g.decidedBy)} at ${g.decidedAt}` : ''}${g.reason ? ` (${cell(g.reason)})` : ''}.`,
      '',
    );
  }
  if (!r.approvals.length) out.push('No decision was sent.');
  else {
    out.push(
      '| when | decision | by | reason | via | status | client identity |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const a of r.approvals)
      out.push(
        `| ${a.at} | ${a.decision} | ${cell(a.by)} | ${cell(a.reason)} | ${a.via} | ${a.status}${a.note ? `: ${cell(a.note)}` : ''} | ${cell(a.identity)} |`,
      );
  }
  return [
    ...out,
    '',
    '_Decisions refused by the `decide` update validator are answered to the sender and not recorded in the history._',
    '',
  ];
}

function cancellations(r: AuditReport): string[] {
  if (!r.cancelRequests.length) return [];
  return [
    '## Cancellation requests',
    '',
    ...r.cancelRequests.map(
      (c) =>
        `- ${c.at}${c.identity ? ` by ${cell(c.identity)}` : ''}${c.cause ? `: ${cell(c.cause)}` : ''}`,
    ),
    '',
  ];
}

function backup(r: AuditReport): string[] {
  const b = r.backup;
  if (!b) return ['## Backup', '', 'No backup was taken.', ''];
  const rows: Array<[string, unknown]> = [
    ['file (on the worker)', b.path],
    ['size', `${b.sizeBytes} bytes`],
    ['revision', b.revision],
    ['sha256', b.sha256],
    ['from member', b.member],
    ['taken', b.takenAt],
    ['verified', b.verified],
  ];
  return [
    '## Backup',
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`),
    '',
  ];
}

function memberTable(list: AuditMember[]): string[] {
  const rows = [
    '| name | id | peer URLs | client URLs | role |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const m of list)
    rows.push(
      `| ${cell(m.name || '(unstarted)')} | ${cell(m.id)} | ${cell(m.peerURLs.join(', '))} | ${cell(m.clientURLs.join(', '))} | ${m.isLearner ? 'learner' : 'voter'} |`,
    );
  return rows;
}

function members(r: AuditReport): string[] {
  const notAfter =
    r.status === 'RUNNING'
      ? '(the run has not finished)'
      : '(not recorded: the run did not reach its result phase)';
  return [
    '## Members',
    '',
    'Before:',
    '',
    ...(r.membersBefore
      ? memberTable(r.membersBefore)
      : ['(not recorded: the run did not read the member list)']),
    '',
    'After:',
    '',
    ...(r.membersAfter ? memberTable(r.membersAfter) : [notAfter]),
    '',
  ];
}

function activities(r: AuditReport): string[] {
  const out = [
    '## Activities',
    '',
    '| # | activity | phase | scheduled | started | closed | took | attempts | outcome |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  out.push(
    ...r.activities.map(
      (a, i) =>
        `| ${i + 1} | ${cell(a.name)} | ${cell(a.summary)} | ${a.scheduledAt} | ${a.startedAt ?? ''} | ${a.closedAt ?? ''} | ${duration(a.durationMs)} | ${a.attempts} | ${a.outcome} |`,
    ),
  );
  const troubled = r.activities
    .map((a, i) => ({ a, i }))
    .filter(({ a }) => a.failure || a.lastRetryFailure);
  if (troubled.length) {
    out.push('', '### Activity failures and retries', '');
    for (const { a, i } of troubled) {
      if (a.failure)
        out.push(
          `${i + 1}. ${cell(a.name)} (${cell(a.summary)}) ${a.outcome} after ${a.attempts} attempt(s):`,
          '',
          codeBlock(rootCause(a.failure)),
          '',
        );
      else
        out.push(
          `${i + 1}. ${cell(a.name)} (${cell(a.summary)}) succeeded on attempt ${a.attempts}; the attempt before failed with: ${cell(a.lastRetryFailure)}`,
          '',
        );
    }
  }
  return [...out, ''];
}

function compensations(r: AuditReport): string[] {
  const out = ['## Compensations', ''];
  if (!r.compensations.length)
    out.push(
      r.status === 'FAILED' || r.status === 'CANCELLED'
        ? 'No rollback activity ran.'
        : 'None: nothing was rolled back.',
    );
  else {
    out.push(
      '| activity | phase | closed | attempts | outcome |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const a of r.compensations)
      out.push(
        `| ${cell(a.name)} | ${cell(a.summary)} | ${a.closedAt ?? ''} | ${a.attempts} | ${a.outcome}${a.failure ? `: ${cell(rootCause(a.failure))}` : ''} |`,
      );
  }
  if (r.rollback) {
    out.push(
      '',
      `Failed step: ${cell(r.rollback.failedStep)}`,
      '',
      'Undone:',
      '',
      ...(r.rollback.undone.length
        ? bullets(r.rollback.undone)
        : ['- nothing']),
    );
    if (r.rollback.notUndone.length)
      out.push(
        '',
        '**NOT undone (needs an operator):**',
        '',
        ...bullets(r.rollback.notUndone),
      );
  }
  return [...out, ''];
}

function request(r: AuditReport): string[] {
  return [
    '## Request',
    '',
    'As received by the run (file paths only).',
    '',
    codeBlock(JSON.stringify(r.input, null, 2)),
    '',
    ...(r.profile?.profile
      ? [
          `Resolved over the cluster's profile \`${r.profile.file}\` (inline settings: ${r.profile.inlineSettings}):`,
          '',
          codeBlock(JSON.stringify(r.profile.profile, null, 2)),
          '',
        ]
      : r.profile
        ? [
            `No cluster profile on the worker (\`${r.profile.file}\`); inline settings: ${r.profile.inlineSettings}.`,
            '',
          ]
        : []),
  ];
}
