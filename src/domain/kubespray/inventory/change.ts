/**
 * The inventory change a membership change needs: the new members as hosts of Kubespray's `etcd`
 * group, with the variables Kubespray reads for them, and the removed members out of it, in the
 * inventory's own form. Without it the next playbook run renders every member's /etc/etcd.env from an
 * etcd group that lacks the new members or still holds the removed ones (and restarts them, or
 * starts a removed member again), undoing the work. Pure.
 */

import { isIpAddress, listenURLs, type NewMember } from '../../request/request';
import { inventoryHostOf } from '../kubesprayNames';
import type { InventoryFormat } from './read';

export interface InventoryHostChange {
  /** The host's name in the inventory (inventory_hostname). */
  host: string;
  /** ansible_host, ip (the address etcd binds), access_ip when others reach it elsewhere, etcd_member_name. */
  vars: Record<string, string>;
}

/**
 * A member to take out of the etcd group. The worker knows its etcd name (Kubespray's
 * etcd_member_name) and address, not the inventory host that carries them.
 */
export interface InventoryHostRemoval {
  etcdMemberName: string;
  /** The host of its peer URL: the inventory host's ip (or ansible_host). */
  address: string;
}

export interface InventoryChange {
  format: InventoryFormat;
  group: 'etcd';
  /** The hosts to add to the group. */
  hosts: InventoryHostChange[];
  /** The members to take out of the group (a scale-in's, a replacement's old member). */
  removed: InventoryHostRemoval[];
  /** The lines to add, ready to paste; the removals as comments above them. */
  text: string;
}

/** Kubespray's variables for a new member: where Ansible reaches it, the address etcd binds, its etcd name. */
export function inventoryHostChange(
  member: Pick<
    NewMember,
    | 'name'
    | 'host'
    | 'peerURL'
    | 'clientURL'
    | 'listenAddress'
    | 'inventoryHost'
  >,
): InventoryHostChange {
  const bind = new URL(listenURLs(member).peer).hostname;
  const client = new URL(member.clientURL).hostname;
  const vars: Record<string, string> = { ansible_host: member.host };
  if (isIpAddress(bind)) vars.ip = bind;
  if (isIpAddress(client) && client !== vars.ip) vars.access_ip = client;
  vars.etcd_member_name = member.name;
  return { host: inventoryHostOf(member), vars };
}

/** A value as Ansible's INI reads it back unchanged: quoted when it holds anything but plain characters. */
const iniValue = (v: string) =>
  /^[A-Za-z0-9_.:/@-]+$/.test(v) ? v : JSON.stringify(v);

/**
 * The removals, as comment lines both forms read back unchanged. Kubespray's sample makes the etcd
 * group from kube_control_plane (`[etcd:children]`): a host it holds that way cannot be taken out
 * alone, so the group then lists its hosts.
 */
const removalComments = (removed: InventoryHostRemoval[]): string[] =>
  removed.length
    ? [
        ...removed.map(
          (r) =>
            `# take out of the etcd group: the host with etcd_member_name=${r.etcdMemberName} (${r.address})`,
        ),
        '# (an etcd group made of another group, [etcd:children], then lists its hosts itself)',
      ]
    : [];

function iniText(hosts: InventoryHostChange[]): string[] {
  if (!hosts.length) return [];
  return [
    '[etcd]',
    ...hosts.map(
      (h) =>
        `${h.host} ${Object.entries(h.vars)
          .map(([k, v]) => `${k}=${iniValue(v)}`)
          .join(' ')}`,
    ),
  ];
}

function yamlText(hosts: InventoryHostChange[]): string[] {
  if (!hosts.length) return [];
  return [
    'all:',
    '  children:',
    '    etcd:',
    '      hosts:',
    ...hosts.flatMap((h) => [
      `        ${h.host}:`,
      ...Object.entries(h.vars).map(
        ([k, v]) => `          ${k}: ${JSON.stringify(v)}`,
      ),
    ]),
  ];
}

/**
 * The change for the members that joined and those removed, in `format` (INI: an `[etcd]` section;
 * YAML: `all.children.etcd.hosts`). A removed member whose etcd name a new member takes (a
 * replacement on the same name) is not removed: its host's variables are the new member's.
 */
export function inventoryChange(
  format: InventoryFormat,
  members: Parameters<typeof inventoryHostChange>[0][],
  removedMembers: Array<{ name: string; peerURLs: string[] }> = [],
): InventoryChange {
  const hosts = members.map(inventoryHostChange);
  const removed = removedMembers
    .filter((r) => !members.some((m) => m.name === r.name))
    .map((r) => ({
      etcdMemberName: r.name,
      address: r.peerURLs.length ? new URL(r.peerURLs[0]).hostname : 'unknown',
    }));
  return {
    format,
    group: 'etcd',
    hosts,
    removed,
    text: [
      ...removalComments(removed),
      ...(format === 'ini' ? iniText(hosts) : yamlText(hosts)),
    ].join('\n'),
  };
}

/** What to do to the inventory, in a line: the hosts to add, the members to take out, in which form. */
export function inventoryChangeSummary(c: {
  format?: string;
  hosts?: Array<{ host: string }>;
  removed?: InventoryHostRemoval[];
}): string {
  const parts = [
    ...(c.hosts?.length
      ? [`add ${c.hosts.map((h) => h.host).join(', ')}`]
      : []),
    ...(c.removed?.length
      ? [
          `take out the host${c.removed.length > 1 ? 's' : ''} of ${c.removed.map((r) => r.etcdMemberName).join(', ')}`,
        ]
      : []),
  ];
  return `in the inventory's etcd group (${c.format === 'ini' ? 'INI' : 'YAML'}), ${parts.join(' and ')}, so the next playbook run keeps the members as they are`;
}
