/**
 * The run's live view in the Temporal UI: the workflow's "current details" (markdown), rendered from
 * the same progress the `progress` query returns, and set again each time it changes. Pure.
 */
import { cell, inline } from '../../domain/markdownText';
import type { ApiserverProgress, MemberProgress, Progress } from './messages';

/** `2026-01-02T10:11:12.345Z` -> `10:11:12` (UTC): the day is in the run's start time. */
const clock = (iso?: string): string => (iso ? iso.slice(11, 19) : '');
const seconds = (ms?: number): string =>
  ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;

function memberRow(m: MemberProgress): string {
  const t = m.timings;
  const cells = [
    m.name,
    m.stage,
    m.state,
    clock(t.startedAt),
    clock(t.addedAt),
    clock(t.serviceStartedAt),
    clock(t.caughtUpAt),
    clock(t.promotedAt),
    clock(t.verifiedAt),
    seconds(t.totalMs),
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

function apiserverRow(a: ApiserverProgress): string {
  const cells = [
    a.host,
    a.state,
    clock(a.startedAt),
    clock(a.readyAt),
    seconds(a.totalMs),
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

function approvalLine(p: Progress): string | undefined {
  const a = p.approval;
  if (!a.required) return undefined;
  if (a.state === 'waiting')
    return `**Approval:** waiting since ${a.waitingSince} (deadline ${a.deadline}); signal \`approve\` or \`reject\``;
  const decided = a.decidedBy
    ? ` by ${inline(a.decidedBy)} at ${a.decidedAt}${a.reason ? `: ${inline(a.reason)}` : ''}`
    : '';
  return `**Approval:** ${a.state}${decided}`;
}

/** Markdown: one paragraph per fact (lines of one paragraph would run together), the member table as one block. */
export function liveView(p: Progress): string {
  const blocks = [`**Phase:** ${p.phase}${p.step ? ` (${p.step})` : ''}`];
  if (p.cluster)
    blocks.push(
      `**Cluster:** ${inline(p.cluster)}${p.from !== undefined ? `, ${p.from} → ${p.to} members` : ''}; started ${p.startedAt}`,
    );
  if (p.members.length) {
    blocks.push(
      [
        '| member | stage | state | started | added | service up | caught up | promoted | verified | total |',
        '|---|---|---|---|---|---|---|---|---|---|',
        ...p.members.map(memberRow),
      ].join('\n'),
    );
  }
  if (p.apiservers?.length)
    blocks.push(
      [
        '| kube-apiserver | state | changed | ready | total |',
        '|---|---|---|---|---|',
        ...p.apiservers.map(apiserverRow),
      ].join('\n'),
    );
  const b = p.backup;
  if (b)
    blocks.push(
      `**Backup:** ${inline(b.path)} (${b.sizeBytes} bytes, revision ${b.revision}, from ${b.member}, sha256 ${b.sha256.slice(0, 12)}…)`,
    );
  const approval = approvalLine(p);
  if (approval) blocks.push(approval);
  if (p.error) blocks.push(`**Error:** ${cell(p.error)}`);
  if (p.undone.length)
    blocks.push(`**Undone:** ${p.undone.map(cell).join('; ')}`);
  return blocks.join('\n\n');
}
