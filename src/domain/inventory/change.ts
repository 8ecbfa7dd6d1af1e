/**
 * The inventory change a scale-out needs: the new members as hosts of Kubespray's `etcd` group, with
 * the variables Kubespray reads for them, in the inventory's own form. Without it the next playbook
 * run renders every member's /etc/etcd.env from an etcd group that lacks the new members (and
 * restarts them), undoing the work. Pure.
 */
import { inventoryHostOf } from '../kubesprayNames';
import { isIpAddress, listenURLs, type NewMember } from '../request';
import type { InventoryFormat } from './read';

export interface InventoryHostChange {
  /** The host's name in the inventory (inventory_hostname). */
  host: string;
  /** ansible_host, ip (the address etcd binds), access_ip when others reach it elsewhere, etcd_member_name. */
  vars: Record<string, string>;
}

export interface InventoryChange {
  format: InventoryFormat;
  group: 'etcd';
  hosts: InventoryHostChange[];
  /** The lines to add, ready to paste. */
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

function iniText(hosts: InventoryHostChange[]): string {
  return [
    '[etcd]',
    ...hosts.map(
      (h) =>
        `${h.host} ${Object.entries(h.vars)
          .map(([k, v]) => `${k}=${iniValue(v)}`)
          .join(' ')}`,
    ),
  ].join('\n');
}

function yamlText(hosts: InventoryHostChange[]): string {
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
  ].join('\n');
}

/** The change for the members that joined, in `format` (INI: an `[etcd]` section; YAML: `all.children.etcd.hosts`). */
export function inventoryChange(
  format: InventoryFormat,
  members: Parameters<typeof inventoryHostChange>[0][],
): InventoryChange {
  const hosts = members.map(inventoryHostChange);
  return {
    format,
    group: 'etcd',
    hosts,
    text: format === 'ini' ? iniText(hosts) : yamlText(hosts),
  };
}

/** One sentence for the result's readers (CLI, audit, notification): what to add, and why. */
export const inventoryChangeNote = (c: InventoryChange): string =>
  `add ${c.hosts.map((h) => h.host).join(', ')} to the inventory's etcd group (${c.format === 'ini' ? 'INI' : 'YAML'}), so the next playbook run keeps them:\n${c.text}`;
