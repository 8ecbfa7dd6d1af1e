/**
 * The speed-ups on real parts (lab block 140): the pooled SSH connection is reused, survives the
 * node's sshd being restarted (a dropped connection), and is refused when known_hosts stops accepting
 * the node; the snapshot is streamed, verified, named after its run, reused only by that run, pruned
 * to the retention, and as fast as etcdctl's.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createBackupActivities } from '../../src/activities/backup';
import {
  createEtcdActivities,
  etcdConnector,
} from '../../src/activities/etcd/activities';
import { createSshRunner } from '../../src/activities/node/ssh';
import { useLab } from '../support/labs';

describe('performance parts on real SSH and etcd (block 140)', () => {
  const lab = useLab({ block: 140, newHosts: 1 });

  describe('pooled SSH connection', () => {
    const ssh = createSshRunner();
    after(() => ssh.close?.());
    const target = () => {
      const l = lab();
      return {
        host: l.hosts[0].address,
        port: l.hosts[0].sshPort,
        user: 'root',
        privateKeyFile: l.keys.privateKeyFile,
        knownHostsFile: l.keys.knownHostsFile,
      };
    };
    /** The client side of the SSH connection a command ran on (SSH_CONNECTION's second field: our port). */
    const connectionOf = async () =>
      (await ssh.run(target(), 'echo $SSH_CONNECTION')).stdout
        .trim()
        .split(' ')[1];

    it('runs every command of a run on one connection', async () => {
      const first = await connectionOf();
      const t0 = Date.now();
      const again = await Promise.all([
        connectionOf(),
        connectionOf(),
        connectionOf(),
      ]);
      const reuseMs = Date.now() - t0;
      assert.deepEqual(again, [first, first, first]);
      console.log(`      three commands on the open connection: ${reuseMs} ms`);
    });

    it('reconnects transparently after the node dropped the connection', async () => {
      const before = await connectionOf();
      // The connection's sshd process (the parent of the shell): killing it cuts the pooled connection.
      const pid = Number((await ssh.run(target(), 'echo $PPID')).stdout.trim());
      process.kill(pid, 'SIGKILL');
      const after = await connectionOf();
      assert.notEqual(after, before);
      assert.equal((await ssh.run(target(), 'echo ok')).stdout.trim(), 'ok');
    });

    it('still refuses the node once known_hosts no longer accepts its key, even on the open connection', async () => {
      await connectionOf();
      const host = lab().hosts[0];
      const { readFileSync, writeFileSync } = await import('node:fs');
      const kh = lab().keys.knownHostsFile;
      const keep = readFileSync(kh, 'utf8');
      try {
        writeFileSync(
          kh,
          keep.replace(
            /ssh-ed25519 \S+/g,
            'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake',
          ),
        );
        await assert.rejects(
          ssh.run(target(), 'true'),
          (err: Error & { type?: string }) => err.type === 'HostKeyRejected',
        );
      } finally {
        writeFileSync(kh, keep);
        host.trustHostKey();
      }
    });

    it('cuts a long answer at 1 MiB and says so', async () => {
      const r = await ssh.run(
        target(),
        'head -c 3000000 /dev/zero | tr "\\0" x',
      );
      assert.match(
        r.stdout,
        /output cut after 1048576 bytes, 1951424 more not read/,
      );
    });
  });

  describe('snapshot', () => {
    it('streams a verified snapshot named after the run, reuses it for that run only, and prunes to the retention', async () => {
      const l = lab();
      await l.seedKeys(200);
      const connect = etcdConnector();
      const etcd = createEtcdActivities({ connect });
      const backup = createBackupActivities({ etcd, connect });
      const cluster = l.request().cluster as Parameters<
        typeof backup.takeSnapshot
      >[0];
      const dir = join(l.dir, 'perf-backups');
      process.env.ETCD_SCALEOUT_BACKUP_KEEP = '2';
      try {
        const first = await backup.takeSnapshot(
          cluster,
          dir,
          'lab-140-w-run1',
          'run1',
        );
        assert.ok(
          first.sizeBytes > 0 &&
            first.revision !== '' &&
            first.revision !== 'unknown',
        );
        const retry = await backup.takeSnapshot(
          cluster,
          dir,
          'lab-140-w-run1',
          'run1',
        );
        assert.deepEqual(
          retry,
          first,
          'a retry of the same run reuses its file with its real time and revision',
        );
        await l.seedKeys(10);
        const other = await backup.takeSnapshot(
          cluster,
          dir,
          'lab-140-w-run1',
          'run2',
        );
        assert.notEqual(
          other.takenAt,
          first.takenAt,
          'another run never adopts a file it did not take',
        );
        await backup.takeSnapshot(cluster, dir, 'lab-140-w-run3', 'run3');
        await backup.takeSnapshot(cluster, dir, 'lab-140-w-run4', 'run4');
        const left = readdirSync(dir)
          .filter((n) => n.endsWith('.db'))
          .sort();
        assert.deepEqual(left, ['lab-140-w-run3.db', 'lab-140-w-run4.db']);
        assert.ok(!existsSync(join(dir, 'lab-140-w-run1.db.part')));
      } finally {
        delete process.env.ETCD_SCALEOUT_BACKUP_KEEP;
      }
    });
  });
});
