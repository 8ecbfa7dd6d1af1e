/**
 * The audit's Outcome section: how the run ended, and for a completed run what its workflow type
 * reports: sizes, the --etcd-servers list, the apiservers told, the inventory change; a
 * scale-in's removals, a replacement's member replaced; what is left by hand; warnings.
 */
import {
  REPLACE_WORKFLOW_TYPE,
  SCALE_IN_WORKFLOW_TYPE,
  WORKFLOW_TYPE,
} from '../config';
import {
  type InventoryHostRemoval,
  inventoryChangeSummary,
} from '../domain/kubespray/inventory/change';
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

interface Rollout {
  told: string;
  nodes: { host: string; state: string; totalMs?: number }[];
  /** kubeadm's copies of the list, in words (steps/kubeadmConfigMap.ts). */
  kubeadm?: string;
}
interface CompletedResult {
  from?: number;
  to?: number;
  membersAfter?: unknown[];
  etcdServers?: string[];
  inventoryChange?: {
    format?: string;
    text?: string;
    hosts?: Array<{ host: string }>;
    removed?: InventoryHostRemoval[];
  };
  warnings?: string[];
  leftByHand?: string[];
  removed?: Removal[];
  /** A replacement's one removal, the member it replaced and by which. */
  removal?: Removal;
  replaced?: { name?: string; id?: string };
  newMember?: string;
  path?: string;
  /** One rollout (scale-out, scale-in), or a replacement's by direction (out, swap, in). */
  apiservers?:
    | Rollout
    | { unchanged?: string; out?: Rollout; swap?: Rollout; in?: Rollout };
}
interface Removal {
  member?: string;
  id?: string;
  removed?: boolean;
  serviceStopped?: boolean;
  dataDirMovedTo?: string | null;
}

/** `kube-apiservers told (all): ...`; `label` names a replacement's rollout (out, swap, in). */
const rolloutText = (a: Rollout, label = '') =>
  a.nodes.length
    ? `kube-apiservers${label} told (${cell(a.told)}): ${a.nodes.map((n) => `${cell(n.host)} ${cell(n.state)}${n.totalMs !== undefined ? ` in ${duration(n.totalMs)}` : ''}`).join(', ')}`
    : `kube-apiservers${label}: not told (no control-plane nodes in the profile)`;

const kubeadmLines = (a: Rollout, label = '') =>
  a.kubeadm
    ? ['', `kubeadm's copies of the list${label}: ${cell(a.kubeadm)}`]
    : [];

function apiserverLines(a: CompletedResult['apiservers']): string[] {
  if (!a) return [];
  if ('told' in a) return ['', rolloutText(a), ...kubeadmLines(a)];
  return [
    ...(a.unchanged ? ['', `kube-apiservers: ${cell(a.unchanged)}`] : []),
    ...(['out', 'swap', 'in'] as const).flatMap((k) => {
      const r = a[k];
      return r
        ? ['', rolloutText(r, ` (${k})`), ...kubeadmLines(r, ` (${k})`)]
        : [];
    }),
  ];
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
    const old = `${res.replaced.name}${res.replaced.id ? ` (ID ${res.replaced.id})` : ''}`;
    out.push(
      '',
      `Replaced ${cell(old)}${res.newMember ? ` by ${cell(res.newMember)}` : ''}${res.path ? ` (path: ${cell(res.path)})` : ''}.`,
    );
  }
  const removed = [
    ...(res.removed ?? []),
    ...(res.removal ? [res.removal] : []),
  ];
  if (removed.length)
    out.push(
      '',
      'Removed, one at a time:',
      '',
      ...bullets(
        removed.map(
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
  const size =
    res?.from !== undefined
      ? `: ${res.from} -> ${res.to} members`
      : res?.membersAfter
        ? `: ${res.membersAfter.length} members`
        : '';
  const out = [`**${r.status}** at ${r.outcome.at}${size}.`];
  if (!res) return out;
  if (res.etcdServers)
    out.push(
      '',
      `kube-apiserver ${codeSpan(`--etcd-servers=${res.etcdServers.join(',')}`)}`,
    );
  out.push(...apiserverLines(res.apiservers));
  out.push(...membershipLines(res));
  if (res.inventoryChange?.text)
    out.push(
      '',
      `Inventory change: ${inventoryChangeSummary(res.inventoryChange)}:`,
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
