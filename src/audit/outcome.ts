/**
 * The audit's Outcome section: how the run ended, and for a completed run what its workflow type
 * reports: sizes, the --etcd-servers list, the apiservers told; a scale-out's inventory change, a
 * scale-in's removals, a replacement's member replaced; what is left by hand; warnings.
 */
import {
  REPLACE_WORKFLOW_TYPE,
  SCALE_IN_WORKFLOW_TYPE,
  WORKFLOW_TYPE,
} from '../config';
import {
  brief,
  bullets,
  cell,
  codeBlock,
  codeSpan,
  duration,
  inline,
} from '../domain/markdownText';
import type { AuditReport } from './types';

const NOUNS: Record<string, string> = {
  [WORKFLOW_TYPE]: 'scale-out',
  [SCALE_IN_WORKFLOW_TYPE]: 'scale-in',
  [REPLACE_WORKFLOW_TYPE]: 'member replacement',
};

/** The run in words, by its workflow type (a type this report does not know is named as it is). */
export const runNoun = (workflowType: string): string =>
  NOUNS[workflowType] ?? `run (${workflowType || 'unknown type'})`;

interface CompletedResult {
  from?: number;
  to?: number;
  etcdServers?: string[];
  inventoryChange?: { format?: string; text?: string };
  warnings?: string[];
  leftByHand?: string[];
  removed?: {
    member?: string;
    id?: string;
    removed?: boolean;
    serviceStopped?: boolean;
    dataDirMovedTo?: string | null;
  }[];
  replaced?: string | { name?: string; id?: string };
  path?: string;
  apiservers?: {
    told: string;
    nodes: { host: string; state: string; totalMs?: number }[];
  };
}

function failed(r: AuditReport): string[] {
  const f = r.outcome.failure;
  if (!f) return [];
  const out = [
    `**${r.status}**${f.type ? ` (${inline(f.type)})` : ''} at ${r.outcome.at}${r.outcome.terminatedBy ? `, by ${cell(r.outcome.terminatedBy)}` : ''}:`,
    '',
    codeBlock(f.message),
  ];
  if (f.causes?.length)
    out.push(
      '',
      'Caused by (first lines; full text in the activity failures below and in the JSON report):',
      '',
      ...bullets(f.causes.map(brief)),
    );
  return out;
}

/** A scale-in's removals, a replacement's member replaced. */
function membershipLines(res: CompletedResult): string[] {
  const out: string[] = [];
  if (res.replaced) {
    const old =
      typeof res.replaced === 'string'
        ? res.replaced
        : `${res.replaced.name}${res.replaced.id ? ` (ID ${res.replaced.id})` : ''}`;
    out.push(
      '',
      `Replaced ${cell(old)}${res.path ? ` (path: ${cell(res.path)})` : ''}.`,
    );
  }
  if (res.removed?.length)
    out.push(
      '',
      'Removed, one at a time:',
      '',
      ...bullets(
        res.removed.map(
          (x) =>
            `${x.member}${x.id ? ` (ID ${x.id})` : ''}: ${x.removed === false ? 'already gone from etcd' : 'removed'}, service ${x.serviceStopped ? 'stopped' : 'NOT stopped'}${x.dataDirMovedTo ? `, data dir moved to ${x.dataDirMovedTo}` : ''}`,
        ),
      ),
    );
  if (res.leftByHand?.length)
    out.push('', '**Left to do by hand:**', '', ...bullets(res.leftByHand));
  return out;
}

function completed(r: AuditReport): string[] {
  const res = r.outcome.result as CompletedResult | undefined;
  const out = [
    `**${r.status}** at ${r.outcome.at}${res?.from !== undefined ? `: ${res.from} -> ${res.to} members` : ''}.`,
  ];
  if (!res) return out;
  if (res.etcdServers)
    out.push(
      '',
      `kube-apiserver ${codeSpan(`--etcd-servers=${res.etcdServers.join(',')}`)}`,
    );
  const a = res.apiservers;
  if (a)
    out.push(
      '',
      a.nodes.length
        ? `kube-apiservers told (${cell(a.told)}): ${a.nodes.map((n) => `${cell(n.host)} ${cell(n.state)}${n.totalMs !== undefined ? ` in ${duration(n.totalMs)}` : ''}`).join(', ')}`
        : 'kube-apiservers: not told (no control-plane nodes in the profile)',
    );
  out.push(...membershipLines(res));
  if (res.inventoryChange?.text)
    out.push(
      '',
      `Inventory change (${res.inventoryChange.format === 'ini' ? 'INI' : 'YAML'}: the new hosts in the etcd group, so the next playbook run keeps them):`,
      '',
      codeBlock(res.inventoryChange.text),
    );
  if (res.warnings?.length)
    out.push('', 'Warnings:', '', ...bullets(res.warnings));
  return out;
}

export function outcome(r: AuditReport): string[] {
  const body =
    r.status === 'RUNNING'
      ? [
          `Still running, in phase **${cell(r.phases[r.phases.length - 1]?.phase ?? 'unknown')}**.`,
        ]
      : r.outcome.failure
        ? failed(r)
        : completed(r);
  return ['## Outcome', '', ...body, ''];
}
