/** A cluster profile from a Kubespray inventory: the etcd group, its addresses, Kubespray's paths. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  InventoryError,
  profileFromInventory,
} from '../../../../src/domain/kubespray/inventory/kubesprayInventory';
import { resolveRequest } from '../../../../src/domain/profile/profileResolution';
import { FIXTURES } from '../../../support/paths';

const FIXTURE = join(FIXTURES, 'kubespray', 'hosts.yaml');
const inventory = () => parse(readFileSync(FIXTURE, 'utf8'));

const refusedWith = (inv: unknown, pattern: RegExp) =>
  assert.throws(
    () => profileFromInventory(inv, 'prod'),
    (err) => err instanceof InventoryError && pattern.test(err.message),
  );

describe('profile from a Kubespray inventory', () => {
  it("takes the etcd group's hosts (access_ip, else ip), Kubespray's TLS files and paths, and ansible_user", () => {
    const { profile, notes } = profileFromInventory(inventory(), 'prod');
    assert.deepEqual(profile, {
      cluster: {
        name: 'prod',
        endpoints: [
          'https://10.3.0.1:2379',
          'https://10.3.0.2:2379',
          'https://10.3.0.3:2379',
        ],
        tls: {
          caFile: '/etc/ssl/etcd/ssl/ca.pem',
          certFile: '/etc/ssl/etcd/ssl/admin-node1.pem',
          keyFile: '/etc/ssl/etcd/ssl/admin-node1-key.pem',
        },
      },
      ssh: {
        user: 'ubuntu',
        port: 22,
        privateKeyFile: '/etc/etcd-scaleout/id_ed25519',
        knownHostsFile: '/etc/etcd-scaleout/known_hosts',
      },
      node: {
        envFile: '/etc/etcd.env',
        dataDir: '/var/lib/etcd',
        service: 'etcd',
        etcdBinary: '/usr/local/bin/etcd',
        certDir: '/etc/ssl/etcd/ssl',
      },
      backup: { dir: '/var/backups/etcd-scaleout' },
      controlPlane: {
        nodes: ['10.3.0.1', '10.3.0.2', '10.3.0.3'].map((ip) => ({
          host: ip,
          manifest: '/etc/kubernetes/manifests/kube-apiserver.yaml',
          readyzURL: `https://${ip}:6443/readyz`,
          tls: { caFile: '/etc/etcd-scaleout/kubernetes-ca.crt' },
        })),
      },
      inventory: { format: 'yaml' },
    });
    assert.ok(notes.some((n) => /copy them from node1/.test(n)));
    assert.ok(
      notes.some((n) =>
        /copy \/etc\/kubernetes\/ssl\/ca\.crt from 10\.3\.0\.1/.test(n),
      ),
    );
    assert.ok(notes.some((n) => /strategy\.approvers is not set/.test(n)));
  });

  it('a ticket naming the cluster and the new members resolves over it', () => {
    const { profile } = profileFromInventory(inventory(), 'prod');
    const r = resolveRequest(
      {
        cluster: { name: 'prod' },
        newMembers: [4, 5].map((i) => ({
          name: `etcd${i}`,
          host: `10.3.0.${i}`,
          peerURL: `https://10.3.0.${i}:2380`,
          clientURL: `https://10.3.0.${i}:2379`,
        })),
        ticket: { id: 'OPS-1' },
      },
      {
        cluster: 'prod',
        file: '/etc/etcd-scaleout/profiles/prod.json',
        inlineSettings: 'deny',
        profile,
      },
    );
    assert.ok(r.ok, JSON.stringify(r));
  });

  it('follows an etcd group made of children, group and host variables, and ansible_host as the last resort', () => {
    const inv = inventory();
    inv.all.children.etcd = { children: { kube_control_plane: null } };
    inv.all.children.kube_control_plane.vars = { ansible_port: 2200 };
    delete inv.all.hosts.node2.access_ip;
    delete inv.all.hosts.node2.ip;
    inv.all.vars.etcd_data_dir = '/data/etcd';
    const { profile } = profileFromInventory(inv, 'prod');
    assert.deepEqual(profile.cluster.endpoints, [
      'https://10.3.0.1:2379',
      'https://95.54.0.13:2379',
      'https://10.3.0.3:2379',
    ]);
    assert.equal(profile.node?.dataDir, '/data/etcd');
    assert.deepEqual(
      profile.controlPlane?.nodes.map((n) => [n.host, n.sshPort, n.readyzURL]),
      [
        ['10.3.0.1', 2200, 'https://10.3.0.1:6443/readyz'],
        ['95.54.0.13', 2200, 'https://95.54.0.13:6443/readyz'],
        ['10.3.0.3', 2200, 'https://10.3.0.3:6443/readyz'],
      ],
    );
  });

  it('kube_control_plane: kube_apiserver_port, and none at all (the apiservers are not told, a note says so)', () => {
    const inv = inventory();
    inv.all.vars.kube_apiserver_port = 8443;
    assert.equal(
      profileFromInventory(inv, 'prod').profile.controlPlane?.nodes[0]
        .readyzURL,
      'https://10.3.0.1:8443/readyz',
    );
    delete inv.all.children.kube_control_plane;
    const { profile, notes } = profileFromInventory(inv, 'prod');
    assert.equal(profile.controlPlane, undefined);
    assert.ok(
      notes.some((n) =>
        /no kube_control_plane hosts: the kube-apiservers will not be told/.test(
          n,
        ),
      ),
    );
  });

  it('refuses an inventory it cannot make a profile from, naming what is missing', () => {
    refusedWith({ hosts: {} }, /no top-level "all" group/);
    const noEtcd = inventory();
    delete noEtcd.all.children.etcd;
    refusedWith(
      noEtcd,
      /no hosts in the "etcd" group \(all\.children\.etcd\.hosts in YAML/,
    );
    const noAddress = inventory();
    noAddress.all.hosts.node3 = {};
    refusedWith(
      noAddress,
      /etcd host node3 no address: set its access_ip, ip or ansible_host/,
    );
    const users = inventory();
    users.all.hosts.node2.ansible_user = 'root';
    refusedWith(users, /different ansible_user values \(ubuntu, root\)/);
    const kubeadm = inventory();
    kubeadm.all.vars.etcd_deployment_type = 'kubeadm';
    refusedWith(
      kubeadm,
      /etcd_deployment_type "kubeadm": etcd-scaleout grows host-deployed etcd/,
    );
    const system = inventory();
    system.all.vars.etcd_data_dir = '/etc';
    refusedWith(
      system,
      /node\.dataDir: must be a folder whose path names etcd/,
    );
  });
});
