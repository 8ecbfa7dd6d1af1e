/**
 * A lab node: a folder that processes see, through their own mount namespace, as a Kubespray etcd
 * node's paths. Cluster members and SSH test hosts are both lab nodes:
 *   /etc                an overlay (upper: <root>/etc-upper): /etc/etcd.env, /etc/ssl/etcd/ssl, the unit
 *   /var/lib/etcd       the node's data dir
 *   /usr/local/bin      etcd and etcdctl of the lab's version, and stand-ins for systemctl/journalctl
 *   /run/systemd        the node's own (<root>/run-systemd): a unit's runtime drop-ins
 *                       (/run/systemd/system/...) stay the node's, never the machine's; a bind mount, so
 *                       every namespace of the node (its etcd's, its sshd's) sees one folder (two overlays
 *                       on one upper and work dir broke the copy-up of the machine's /run/systemd: ENOENT)
 *   /run/etcd-testhost  the service's pid and log (the stand-ins')
 *   /etc/kubernetes     on control-plane hosts only (see kubernetesDir)
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { EtcdRelease } from './etcdVersions';
import { KUBESPRAY_SSL_DIR, KUBESPRAY_UNIT } from './kubespray';
import { labSourcePath } from './paths';

export interface LabNodeOptions {
  root: string;
  release: EtcdRelease;
  /** The folder mounted on /var/lib/etcd (default <root>/var-lib-etcd). */
  dataDir?: string;
}

export class LabNode {
  constructor(readonly options: LabNodeOptions) {}

  get root(): string {
    return this.options.root;
  }
  /** Where this node's /var/lib/etcd lives, seen from outside the node. */
  get dataDir(): string {
    return this.options.dataDir ?? join(this.root, 'var-lib-etcd');
  }
  get etcUpper(): string {
    return join(this.root, 'etc-upper');
  }
  /** This node's /etc/ssl/etcd/ssl, seen from outside. */
  get sslDir(): string {
    return join(this.etcUpper, KUBESPRAY_SSL_DIR.replace(/^\/etc\//, ''));
  }
  get binDir(): string {
    return join(this.root, 'usr-local-bin');
  }
  get runDir(): string {
    return join(this.root, 'run');
  }
  /** The node's /run/systemd, seen from outside (e.g. <runSystemd>/system/etcd.service.d). */
  get runSystemd(): string {
    return join(this.root, 'run-systemd');
  }
  /**
   * This node's /etc/kubernetes, seen from outside: a control-plane host's (controlPlane.ts). When the folder
   * exists it is bind-mounted there, not kept in the /etc overlay, so every namespace of the node and the
   * test runner see one and the same file (two overlays on one upper dir do not see each other's renames).
   */
  get kubernetesDir(): string {
    return join(this.root, 'etc-kubernetes');
  }
  get envFilePath(): string {
    return join(this.etcUpper, 'etcd.env');
  }

  /** The folders, the binaries of the lab's etcd version, the stand-ins and Kubespray's unit. */
  layOut(): void {
    for (const d of [
      this.etcUpper,
      join(this.root, 'etc-work'),
      this.runSystemd,
      this.dataDir,
      this.binDir,
      this.runDir,
      this.sslDir,
      join(this.etcUpper, 'systemd', 'system'),
    ])
      mkdirSync(d, { recursive: true });
    chmodSync(this.dataDir, 0o700); // as Kubespray creates it (etcd warns about anything wider)
    for (const f of ['systemctl', 'journalctl']) {
      copyFileSync(labSourcePath('files', f), join(this.binDir, f));
      chmodSync(join(this.binDir, f), 0o755);
    }
    const { etcd, etcdctl } = this.options.release;
    for (const [name, target] of [
      ['etcd', etcd],
      ['etcdctl', etcdctl],
    ]) {
      rmSync(join(this.binDir, name), { force: true });
      symlinkSync(target, join(this.binDir, name));
    }
    writeFileSync(
      join(this.etcUpper, 'systemd', 'system', 'etcd.service'),
      KUBESPRAY_UNIT,
    );
    // Each node is its own machine: without this, the overlay shows every node the machine's own /etc/machine-id.
    const machineId = join(this.etcUpper, 'machine-id');
    if (!existsSync(machineId))
      writeFileSync(machineId, `${randomBytes(16).toString('hex')}\n`, {
        mode: 0o444,
      });
    // The mount points, on the machine itself.
    // /run/systemd stays empty there: a /run/systemd/system would tell programs that systemd runs.
    for (const d of ['/var/lib/etcd', '/run/etcd-testhost', '/run/systemd'])
      mkdirSync(d, { recursive: true });
  }

  /**
   * How long the systemctl stand-in gives a start when no drop-in sets TimeoutStartSec (its default
   * is 30 s, enough for the tests), in this node's own copy.
   */
  setStartTimeout(seconds: number): void {
    const file = join(this.binDir, 'systemctl');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        /ETCD_TESTHOST_START_TIMEOUT:-\d+/,
        `ETCD_TESTHOST_START_TIMEOUT:-${seconds}`,
      ),
    );
  }

  /** The node's /etc/etcd.env, or null. */
  envFile(): string | null {
    return existsSync(this.envFilePath)
      ? readFileSync(this.envFilePath, 'utf8')
      : null;
  }

  writeEnvFile(text: string): void {
    writeFileSync(this.envFilePath, text, { mode: 0o640 });
  }

  /** `unshare` arguments that run the shell command `then` inside the node's paths (it should `exec`). */
  namespaced(then: string): string[] {
    const mounts = [
      `mount -t overlay overlay -o lowerdir=/etc,upperdir=${this.etcUpper},workdir=${join(this.root, 'etc-work')} /etc`,
      `mount --bind ${this.dataDir} /var/lib/etcd`,
      `mount --bind ${this.binDir} /usr/local/bin`,
      `mount --bind ${this.runSystemd} /run/systemd`,
      `mount --bind ${this.runDir} /run/etcd-testhost`,
      `{ [ ! -d ${this.kubernetesDir} ] || { mkdir -p /etc/kubernetes && mount --bind ${this.kubernetesDir} /etc/kubernetes; }; }`,
      // bash sources ~/.bashrc for every command sshd runs: this machine's (a developer's pyenv set-up,
      // ~0.1-0.25 s a command) is not a node's, whose root shell starts at once.
      '{ [ ! -f /root/.bashrc ] || mount --bind /dev/null /root/.bashrc; }',
    ];
    return [
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      [...mounts, then].join(' && '),
    ];
  }
}
