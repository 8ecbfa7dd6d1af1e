/** Ansible's INI inventory, read into the YAML form's shape; a malformed line named by file:line and why. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  expandHostRange,
  InventorySyntaxError,
  parseIniInventory,
  splitWords,
} from '../../../../../src/domain/kubespray/inventory/ini';
import { profileFromInventory } from '../../../../../src/domain/kubespray/inventory/kubesprayInventory';
import {
  InventoryParseError,
  inventoryFormatOf,
  parseInventory,
} from '../../../../../src/domain/kubespray/inventory/read';
import { FIXTURES } from '../../../../support/paths';

const fixture = (name: string) =>
  readFileSync(join(FIXTURES, 'kubespray', name), 'utf8');

const refused = (text: string, where: string, why: RegExp) =>
  assert.throws(
    () => parseIniInventory(text, 'inv.ini'),
    (err) =>
      err instanceof InventorySyntaxError &&
      err.where === where &&
      why.test(err.why) &&
      err.message.startsWith(`${where}: `),
  );

describe('INI inventories', () => {
  it("Kubespray's sample inventory gives the same profile in INI and in YAML", () => {
    const ini = parseInventory(fixture('inventory.ini'), 'inventory.ini');
    const yaml = parseInventory(fixture('inventory.yaml'), 'inventory.yaml');
    assert.equal(ini.format, 'ini');
    assert.equal(yaml.format, 'yaml');
    const fromIni = profileFromInventory(ini.inventory, 'prod', ini.format);
    const fromYaml = profileFromInventory(yaml.inventory, 'prod', yaml.format);
    assert.deepEqual(fromIni.profile.cluster.endpoints, [
      'https://10.3.0.1:2379',
      'https://10.3.0.2:2379',
      'https://10.3.0.3:2379',
    ]);
    assert.equal(fromIni.profile.ssh.user, 'ubuntu');
    assert.deepEqual(fromIni.profile.inventory, { format: 'ini' });
    assert.deepEqual(fromYaml.profile.inventory, { format: 'yaml' });
    assert.deepEqual(
      { ...fromIni.profile, inventory: undefined },
      { ...fromYaml.profile, inventory: undefined },
    );
    assert.deepEqual(fromIni.notes, fromYaml.notes);
  });

  it('reads groups, children, group vars, host vars on the host line, comments and quoted values like the YAML form', () => {
    const ini = [
      '; a comment',
      'bastion ansible_host=1.2.3.4',
      '[all:vars]',
      'ansible_user = "deploy"   # with spaces around =',
      'cluster_note = "two words" # a quoted value with a space',
      "etcd_cert_dir='/etc/ssl/etcd/ssl'",
      '[etcd]',
      'node1:2200 ip=10.0.0.1 access_ip="10.0.0.11" # its client address',
      "node2:2200 ip='10.0.0.2'",
      '[etcd:vars]',
      'etcd_data_dir=/data/etcd',
      '[k8s_cluster:children]',
      'etcd',
      '',
    ].join('\n');
    const parsed = parseIniInventory(ini, 'inv.ini');
    const yaml = parse(
      [
        'all:',
        '  vars: { ansible_user: deploy, cluster_note: two words, etcd_cert_dir: /etc/ssl/etcd/ssl }',
        '  children:',
        '    ungrouped: { hosts: { bastion: { ansible_host: 1.2.3.4 } } }',
        '    etcd:',
        '      hosts:',
        '        node1: { ip: 10.0.0.1, access_ip: 10.0.0.11, ansible_port: "2200" }',
        '        node2: { ip: 10.0.0.2, ansible_port: "2200" }',
        '      vars: { etcd_data_dir: /data/etcd }',
        '    k8s_cluster: { children: { etcd: null } }',
      ].join('\n'),
    );
    assert.deepEqual(parsed, yaml);
    assert.deepEqual(
      profileFromInventory(parsed, 'prod', 'ini').profile.cluster.endpoints,
      ['https://10.0.0.11:2379', 'https://10.0.0.2:2379'],
    );
  });

  it('a host listed in two groups keeps the variables of both lines', () => {
    const parsed = parseIniInventory(
      '[a]\nnode1 ip=10.0.0.1\n[b]\nnode1 etcd_member_name=etcd1\n[etcd:children]\na\nb\n',
      'inv.ini',
    );
    assert.deepEqual(parsed.all.children?.a?.hosts, {
      node1: { ip: '10.0.0.1' },
    });
    assert.deepEqual(parsed.all.children?.b?.hosts, {
      node1: { etcd_member_name: 'etcd1' },
    });
    assert.deepEqual(
      profileFromInventory(parsed, 'prod', 'ini').profile.cluster.endpoints,
      ['https://10.0.0.1:2379'],
    );
  });

  it('expands host ranges as Ansible does, padding kept', () => {
    assert.deepEqual(expandHostRange('node[1:3]'), ['node1', 'node2', 'node3']);
    assert.deepEqual(expandHostRange('db-[a:c].lan'), [
      'db-a.lan',
      'db-b.lan',
      'db-c.lan',
    ]);
    assert.deepEqual(expandHostRange('n[08:12:2]'), ['n08', 'n10', 'n12']);
    assert.match(String(expandHostRange('n[3:1]')), /empty/);
  });

  it('splits words like shlex: quotes removed, escapes in double quotes, # starts a comment only at a word', () => {
    assert.deepEqual(splitWords(`a b="x y" c='p q' d=e#f # rest`), [
      'a',
      'b=x y',
      'c=p q',
      'd=e#f',
    ]);
    assert.deepEqual(splitWords('a b="say \\"hi\\""'), ['a', 'b=say "hi"']);
    assert.match(String(splitWords('a b="open')), /never closed/);
  });

  it('names a malformed line by file:line and why', () => {
    refused('[etcd\nnode1\n', 'inv.ini:1', /no closing \]/);
    refused('[etcd:hosts:x]\n', 'inv.ini:1', /not a section Ansible knows/);
    refused('\n[etcd:stuff]\n', 'inv.ini:2', /not a section Ansible knows/);
    refused(
      '[etcd]\nnode1 ip\n',
      'inv.ini:2',
      /expected key=value host variable after node1, got "ip"/,
    );
    refused('[etcd]\nnode1 ip="10.0.0.1\n', 'inv.ini:2', /never closed/);
    refused(
      '[all:vars]\nansible_user\n',
      'inv.ini:2',
      /expected key=value in a vars section/,
    );
    refused('[all:vars]\n1x=2\n', 'inv.ini:2', /not a variable name/);
    refused('[etcd:children]\na b\n', 'inv.ini:2', /one group name/);
    refused('[etcd]\nno$de ip=1\n', 'inv.ini:2', /not a host name/);
  });

  it('keeps __proto__ a variable, not a prototype', () => {
    const parsed = parseIniInventory(
      '[etcd]\nnode1 __proto__=x ip=10.0.0.1\n',
      'inv.ini',
    );
    const vars = parsed.all.children?.etcd?.hosts?.node1 ?? {};
    assert.equal(Object.getPrototypeOf(vars), Object.prototype);
    assert.equal(
      Object.getOwnPropertyDescriptor(vars, '__proto__')?.value,
      'x',
    );
  });
});

describe('inventory form', () => {
  it('by extension, else by the first line that is not a comment', () => {
    assert.equal(inventoryFormatOf('inventory.ini', 'all:\n'), 'ini');
    assert.equal(inventoryFormatOf('hosts.yml', '[etcd]\n'), 'yaml');
    assert.equal(inventoryFormatOf('hosts.json', '{}'), 'yaml');
    assert.equal(inventoryFormatOf('hosts', '# c\n\n[etcd]\nnode1\n'), 'ini');
    assert.equal(inventoryFormatOf('hosts', 'node1 ip=10.0.0.1\n'), 'ini');
    assert.equal(inventoryFormatOf('hosts', '---\nall:\n'), 'yaml');
    assert.equal(
      inventoryFormatOf('hosts', '# c\nall:\n  hosts: {}\n'),
      'yaml',
    );
  });

  it('a file that cannot be read says which form it was read as, and where', () => {
    assert.throws(
      () => parseInventory('[etcd]\nnode1 ip\n', '/x/inventory.ini'),
      (err) =>
        err instanceof InventoryParseError &&
        err.format === 'ini' &&
        /^is not a valid INI inventory: \/x\/inventory\.ini:2: expected key=value/.test(
          err.message,
        ),
    );
    assert.throws(
      () => parseInventory('all: [\n', 'hosts.yaml'),
      (err) =>
        err instanceof InventoryParseError &&
        /^is not valid YAML: /.test(err.message),
    );
  });
});
