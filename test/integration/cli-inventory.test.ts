/**
 * Kubespray's INI inventory through the command line into a run (lab 178, mutual TLS): `profile
 * from-kubespray inventory.ini` makes the cluster's profile, the operator puts the worker's files
 * where its notes say, a ticket's request runs 3 -> 5 over it, and the result names the inventory
 * change in INI.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../../lab';
import { profileFileName } from '../../src/domain/profile/profile';
import { cli, ORIGINAL, show, useCli, writeRequest } from '../support/cli';
import { recordTiming } from '../support/labs';
import { TEST_PROFILES } from '../support/stack';

describe('etcd-scaleout CLI: an INI inventory into a run', () => {
  useCli();
  const lab = new Lab({ block: 178, tls: true });
  const profileFile = join(TEST_PROFILES.dir, profileFileName('lab-178'));
  after(async () => {
    rmSync(profileFile, { force: true });
    await lab.stop();
  });

  it('profile from-kubespray inventory.ini, then start --wait from a ticket: 3 -> 5, the inventory change in INI', async () => {
    await lab.start();
    const keys = await lab.seedKeys(20);
    const folder = join(lab.dir, 'inventory', 'lab-178');
    mkdirSync(folder, { recursive: true });
    const ini = join(folder, 'inventory.ini');
    // Kubespray's sample layout: the control plane nodes are the etcd members.
    writeFileSync(
      ini,
      [
        '# lab-178, as Kubespray keeps it (inventory/lab-178/inventory.ini)',
        '[kube_control_plane]',
        ...ORIGINAL.map(
          (n, i) =>
            `${n} ansible_host=127.0.178.${11 + i} ip=127.0.178.${11 + i} etcd_member_name=${n}`,
        ),
        '',
        '[etcd:children]',
        'kube_control_plane',
        '',
        '[kube_node]',
        'etcd4 ansible_host=127.0.178.14 ip=127.0.178.14',
        'etcd5 ansible_host=127.0.178.15 ip=127.0.178.15',
        '',
        '[all:vars]',
        'ansible_user=root',
        'ansible_port=2222',
        '',
      ].join('\n'),
    );
    const made = join(lab.dir, 'lab-178.json');
    const r = await cli(['profile', 'from-kubespray', ini, '--out', made]);
    assert.equal(r.code, 0, show(r));
    const profile = JSON.parse(readFileSync(made, 'utf8'));
    assert.deepEqual(profile.cluster.endpoints, lab.cluster.endpoints);
    assert.deepEqual(profile.inventory, { format: 'ini' });
    assert.deepEqual([profile.ssh.user, profile.ssh.port], ['root', 2222]);
    assert.match(
      r.stderr,
      /note: the worker reads \/etc\/ssl\/etcd\/ssl\/ca\.pem/,
    );
    // What the notes ask of the operator: the worker's TLS files, SSH key and known_hosts, where this worker has them.
    const lp = lab.profile();
    profile.cluster.tls = lp.cluster.tls;
    // Where new members may be: the lab's loopback block (never allowed by default).
    profile.cluster.newMemberNetworks = lp.cluster.newMemberNetworks;
    profile.ssh = { ...profile.ssh, ...lp.ssh };
    profile.backup = lp.backup;
    // from-kubespray told the kube_control_plane hosts' apiservers too; this lab runs none (the
    // apiservers phase has its own lab): without controlPlane the run says they were not told.
    assert.equal(profile.controlPlane?.nodes.length, 3);
    delete profile.controlPlane;
    mkdirSync(TEST_PROFILES.dir, { recursive: true });
    writeFileSync(profileFile, JSON.stringify(profile, null, 2));

    const ticket = writeRequest(
      lab,
      'ticket.json',
      lab.ticketRequest({ ticket: { id: 'CHG-178' } }),
    );
    const started = Date.now();
    const run = await cli(['start', ticket, '--wait']);
    assert.equal(run.code, 0, show(run));
    recordTiming('3.6 tls 3 -> 5 from an INI inventory via the CLI', started);
    const result = JSON.parse(run.stdout.split('\n').slice(1).join('\n'));
    assert.deepEqual(
      result.membersAfter.map((m: { name: string }) => m.name).sort(),
      [...ORIGINAL, 'etcd4', 'etcd5'],
    );
    assert.equal(result.inventoryChange.format, 'ini');
    assert.deepEqual(result.memberEnvFiles.leftByHand, []);
    assert.equal(
      result.inventoryChange.text,
      [
        '[etcd]',
        'etcd4 ansible_host=127.0.178.14 ip=127.0.178.14 etcd_member_name=etcd4',
        'etcd5 ansible_host=127.0.178.15 ip=127.0.178.15 etcd_member_name=etcd5',
      ].join('\n'),
    );
    const status = await cli(['status', run.stdout.split('\n')[0].trim()]);
    assert.match(
      status.stdout,
      /^inventory +in the inventory's etcd group \(INI\), add etcd4, etcd5, so the next playbook run keeps the members as they are:\n {2}\[etcd\]\n {2}etcd4 ansible_host=127\.0\.178\.14/m,
    );
    // No controlPlane: the result says the apiservers were not told, and what to change by hand.
    assert.equal(result.apiservers.told, 'none');
    assert.match(
      result.apiservers.reason,
      /names no control-plane nodes \(controlPlane\.nodes\): the kube-apiservers were not told; .*append https:\/\/127\.0\.178\.14:2379,https:\/\/127\.0\.178\.15:2379 in the --etcd-servers/,
    );
    // The audit names the same inventory change, in INI, and that the apiservers were not told.
    const audit = await cli(['audit', run.stdout.split('\n')[0].trim()]);
    assert.equal(audit.code, 0, show(audit));
    assert.match(audit.stdout, /^Inventory change\b.*\bINI\b.*:$/m);
    assert.ok(
      audit.stdout.includes(
        `\n\n\`\`\`\n${result.inventoryChange.text}\n\`\`\`\n`,
      ),
      audit.stdout,
    );
    assert.match(
      audit.stdout,
      /^kube-apiservers: not told \(no control-plane nodes in the profile\)$/m,
    );
    assert.deepEqual(
      await lab.checkInvariants({
        members: [...ORIGINAL, 'etcd4', 'etcd5'],
        keys,
      }),
      [],
    );
  });
});
