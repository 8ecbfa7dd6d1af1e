/** The inventory change a run names: the new members into the etcd group, the removed ones out, in the inventory's form. */
import assert from 'node:assert/strict';
import {
  inventoryChange,
  inventoryChangeSummary,
} from '../../../../../src/domain/kubespray/inventory/change';
import { parseInventory } from '../../../../../src/domain/kubespray/inventory/read';
import { inventoryHostOf } from '../../../../../src/domain/kubespray/kubesprayNames';

const node4 = {
  name: 'etcd4',
  inventoryHost: 'node4',
  host: '95.54.0.15',
  peerURL: 'https://10.3.0.4:2380',
  clientURL: 'https://10.3.0.4:2379',
  listenAddress: '10.3.0.4',
};
const etcd5 = {
  name: 'etcd5',
  host: '10.3.0.5',
  peerURL: 'https://10.3.0.5:2380',
  clientURL: 'https://10.3.0.5:2379',
};

describe('the inventory change', () => {
  it('names the hosts by inventory host, with ansible_host, ip and etcd_member_name, in INI', () => {
    const c = inventoryChange('ini', [node4, etcd5]);
    assert.equal(
      c.text,
      [
        '[etcd]',
        'node4 ansible_host=95.54.0.15 ip=10.3.0.4 etcd_member_name=etcd4',
        'etcd5 ansible_host=10.3.0.5 ip=10.3.0.5 etcd_member_name=etcd5',
      ].join('\n'),
    );
    // Read back by the INI parser: the same hosts and variables.
    const back = parseInventory(c.text, 'change.ini').inventory as {
      all: { children: { etcd: { hosts: Record<string, unknown> } } };
    };
    assert.deepEqual(back.all.children.etcd.hosts, {
      node4: c.hosts[0].vars,
      etcd5: c.hosts[1].vars,
    });
  });

  it('in YAML, as all.children.etcd.hosts', () => {
    const c = inventoryChange('yaml', [node4]);
    const back = parseInventory(c.text, 'change.yaml').inventory;
    assert.deepEqual(back, {
      all: {
        children: {
          etcd: {
            hosts: {
              node4: {
                ansible_host: '95.54.0.15',
                ip: '10.3.0.4',
                etcd_member_name: 'etcd4',
              },
            },
          },
        },
      },
    });
  });

  it('adds access_ip when the client URL is another address, and leaves ip out when etcd binds a name', () => {
    const c = inventoryChange('ini', [
      { ...etcd5, clientURL: 'https://10.9.0.5:2379' },
      {
        ...etcd5,
        name: 'etcd6',
        peerURL: 'https://n6.lan:2380',
        clientURL: 'https://n6.lan:2379',
      },
    ]);
    assert.deepEqual(c.hosts[0].vars, {
      ansible_host: '10.3.0.5',
      ip: '10.3.0.5',
      access_ip: '10.9.0.5',
      etcd_member_name: 'etcd5',
    });
    assert.deepEqual(c.hosts[1].vars, {
      ansible_host: '10.3.0.5',
      etcd_member_name: 'etcd6',
    });
  });

  it('one name for file names: the inventory host, else the member name', () => {
    assert.equal(inventoryHostOf(node4), 'node4');
    assert.equal(inventoryHostOf(etcd5), 'etcd5');
  });
});

describe('the inventory change of a removal', () => {
  const etcd2 = { name: 'etcd2', peerURLs: ['https://10.3.0.2:2380'] };

  it('a scale-in: the removed members as comments naming etcd_member_name and address', () => {
    for (const format of ['ini', 'yaml'] as const) {
      const c = inventoryChange(format, [], [etcd2]);
      assert.deepEqual(c.hosts, []);
      assert.deepEqual(c.removed, [
        { etcdMemberName: 'etcd2', address: '10.3.0.2' },
      ]);
      assert.match(
        c.text,
        /^# take out of the etcd group: the host with etcd_member_name=etcd2 \(10\.3\.0\.2\)$/m,
      );
      assert.match(
        inventoryChangeSummary(c),
        /^in the inventory's etcd group \((INI|YAML)\), take out the host of etcd2, so/,
      );
    }
  });

  it('a replacement: the new host to add, the old member out; the text still reads back as the new host', () => {
    const c = inventoryChange('ini', [node4], [etcd2]);
    assert.equal(c.hosts[0].host, 'node4');
    assert.equal(c.removed[0].etcdMemberName, 'etcd2');
    const back = parseInventory(c.text, 'change.ini').inventory as {
      all: { children: { etcd: { hosts: Record<string, unknown> } } };
    };
    assert.deepEqual(Object.keys(back.all.children.etcd.hosts), ['node4']);
    assert.match(
      inventoryChangeSummary(c),
      /^in the inventory's etcd group \(INI\), add node4 and take out the host of etcd2, so/,
    );
  });

  it('a replacement on the same etcd name: nothing to take out, the host gets the new variables', () => {
    const c = inventoryChange('yaml', [{ ...etcd5, name: 'etcd2' }], [etcd2]);
    assert.deepEqual(c.removed, []);
    assert.doesNotMatch(c.text, /take out/);
  });
});
