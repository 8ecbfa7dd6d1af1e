/**
 * A completed run's result as status rows, whichever workflow type returned it: a scale-out's (members
 * added), a scale-in's (members removed, what is left by hand) and a replacement's (the member
 * replaced, by which), each with its inventory change. Read field by field: a type's result says
 * only what that type did.
 */
import {
  type InventoryHostRemoval,
  inventoryChangeSummary,
} from '../../domain/kubespray/inventory/change';

type Row = (k: string, val: string | undefined) => void;

interface MemberLike {
  name?: string;
  isLearner?: boolean;
}
interface RemovalLike {
  member?: string;
  id?: string;
  removed?: boolean;
  serviceStopped?: boolean;
  dataDirMovedTo?: string | null;
}
interface Rollout {
  told: string;
  nodes: { host: string; state: string; totalMs?: number }[];
  /** kubeadm's copies of the list, in words (steps/kubeadmConfigMap.ts). */
  kubeadm?: string;
}
interface ResultLike {
  from?: number;
  to?: number;
  membersBefore?: (MemberLike | string)[];
  membersAfter?: (MemberLike | string)[];
  etcdServers?: string[];
  /** One rollout (scale-out, scale-in), or a replacement's by direction (out, swap, in). */
  apiservers?:
    | Rollout
    | { unchanged?: string; out?: Rollout; swap?: Rollout; in?: Rollout };
  inventoryChange?: {
    format?: string;
    hosts: Array<{ host: string }>;
    removed?: InventoryHostRemoval[];
    text: string;
  };
  removed?: RemovalLike[];
  /** A replacement's one removal. */
  removal?: RemovalLike;
  replaced?: { name?: string; id?: string };
  newMember?: string;
  path?: string;
  leftByHand?: string[];
  warnings?: string[];
}

const memberName = (m: MemberLike | string) =>
  typeof m === 'string' ? m : `${m.name}${m.isLearner ? ' (learner)' : ''}`;

function removalLine(r: RemovalLike): string {
  return `${r.member}${r.id ? ` (ID ${r.id})` : ''}: ${r.removed === false ? 'already gone from etcd' : 'removed'}, service ${r.serviceStopped ? 'stopped' : 'NOT stopped'}${r.dataDirMovedTo ? `, data dir moved to ${r.dataDirMovedTo}` : ''}`;
}

function rolloutText(a: Rollout): string {
  return a.told === 'none' && !a.nodes.length
    ? 'not told (no control-plane nodes in the profile): set the list above on each, one at a time'
    : `${a.told} told: ${a.nodes.map((n) => `${n.host} ${n.state}${n.totalMs !== undefined ? ` (${(n.totalMs / 1000).toFixed(1)} s)` : ''}`).join(', ')}`;
}

/** The apiservers' rollouts: one, or a replacement's by direction. */
export function rollouts(
  a: ResultLike['apiservers'],
): Array<[string, Rollout]> {
  if (!a) return [];
  if ('told' in a) return [['', a]];
  return (['out', 'swap', 'in'] as const).flatMap((k) =>
    a[k] ? [[k, a[k]] as [string, Rollout]] : [],
  );
}

export function resultRows(result: unknown, row: Row, out: string[]): void {
  const r = (result ?? {}) as ResultLike;
  const size =
    r.from !== undefined
      ? `${r.from} -> ${r.to} members`
      : `${r.membersAfter?.length ?? '?'} members`;
  row(
    'result',
    `${size}${r.membersAfter ? `: ${r.membersAfter.map(memberName).join(', ')}` : ''}`,
  );
  if (r.replaced)
    row(
      'replaced',
      `${r.replaced.name}${r.replaced.id ? ` (ID ${r.replaced.id})` : ''}${r.newMember ? ` by ${r.newMember}` : ''}${r.path ? ` (path: ${r.path})` : ''}`,
    );
  for (const x of [...(r.removed ?? []), ...(r.removal ? [r.removal] : [])])
    row('removed', removalLine(x));
  if (r.etcdServers)
    row('servers', `--etcd-servers=${r.etcdServers.join(',')}`);
  const a = r.apiservers;
  if (a && !('told' in a) && a.unchanged) row('apiservers', a.unchanged);
  for (const [direction, a] of rollouts(r.apiservers)) {
    row('apiservers', `${direction ? `${direction}: ` : ''}${rolloutText(a)}`);
    if (a.kubeadm)
      row('kubeadm', `${direction ? `${direction}: ` : ''}${a.kubeadm}`);
  }
  const inv = r.inventoryChange;
  if (inv?.hosts.length || inv?.removed?.length) {
    row('inventory', `${inventoryChangeSummary(inv)}:`);
    out.push(...inv.text.split('\n').map((l) => `  ${l}`));
  }
  for (const l of r.leftByHand ?? []) row('by hand', l);
  for (const w of r.warnings ?? []) row('warning', w);
}
