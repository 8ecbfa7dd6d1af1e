/**
 * Test hosts: real SSH servers (Debian's openssh-server), each on its own loopback address and in its
 * own mount namespace: a lab node (see node.ts), so a session on it sees the production paths as that
 * host's own (/etc/etcd.env, /etc/ssl/etcd/ssl, /var/lib/etcd, /usr/local/bin/etcd, systemctl).
 * The lab keeps one client key and one known_hosts file for all hosts.
 */

import type { ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  type EtcdRelease,
  etcdRelease,
  withoutEtcdVariables,
} from './etcdVersions';
import { LabNode } from './node';
import type { LabPki } from './pki';
import {
  alive,
  execFileP,
  killGroup,
  portOpen,
  startDaemon,
  waitFor,
} from './processes';

export interface LabKeys {
  privateKeyFile: string;
  publicKey: string;
  knownHostsFile: string;
}

/** An unencrypted ed25519 key pair at `file` (and `file`.pub), made once and kept across runs. */
async function ed25519KeyOnce(file: string, comment: string): Promise<void> {
  if (existsSync(file)) return;
  await execFileP('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    comment,
    '-f',
    file,
  ]);
}

export async function ensureLabKeys(dir: string): Promise<LabKeys> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateKeyFile = join(dir, 'id_ed25519');
  await ed25519KeyOnce(privateKeyFile, 'etcd-scaleout-lab');
  const knownHostsFile = join(dir, 'known_hosts');
  if (!existsSync(knownHostsFile))
    writeFileSync(knownHostsFile, '', { mode: 0o600 });
  return {
    privateKeyFile,
    publicKey: readFileSync(`${privateKeyFile}.pub`, 'utf8').trim(),
    knownHostsFile,
  };
}

export interface TestHostOptions {
  name: string;
  address: string;
  sshPort?: number;
  dir: string;
  keys: LabKeys;
  /** The env file already on the node before the scale-out (Kubespray's rendering, or its tuning); none when null. */
  envFile?: string | null;
  /** etcd of this version at /usr/local/bin/etcd (default: the lab's, see etcdVersions.ts). */
  release?: EtcdRelease;
  /** Kubespray's certificates for this host in /etc/ssl/etcd/ssl. */
  pki?: LabPki;
  /** An existing lab node to serve over SSH (a cluster member's); default: a new one under <dir>/hosts/<name>. */
  node?: LabNode;
}

export class TestHost {
  readonly sshPort: number;
  readonly node: LabNode;
  private sshd?: ChildProcess;

  constructor(readonly options: TestHostOptions) {
    this.sshPort = options.sshPort ?? 2222;
    this.node =
      options.node ??
      new LabNode({
        root: join(options.dir, 'hosts', options.name),
        release: options.release ?? etcdRelease(),
      });
  }

  get address(): string {
    return this.options.address;
  }
  get root(): string {
    return this.node.root;
  }
  /** Where this host's /var/lib/etcd lives, seen from outside the host. */
  get dataDir(): string {
    return this.node.dataDir;
  }
  get etcUpper(): string {
    return this.node.etcUpper;
  }
  get runDir(): string {
    return this.node.runDir;
  }
  get etcdPidFile(): string {
    return join(this.runDir, 'etcd.pid');
  }

  etcdPid(): number | undefined {
    try {
      return Number(readFileSync(this.etcdPidFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The sshd that listens for connections (its PidFile), or undefined before it wrote it. SIGSTOPped,
   * new connections hang before the server's banner, as on a host that stopped answering; sessions
   * already open are served by children of their own.
   */
  sshdPid(): number | undefined {
    try {
      return (
        Number(
          readFileSync(join(this.root, 'ssh', 'sshd.pid'), 'utf8').trim(),
        ) || undefined
      );
    } catch {
      return undefined;
    }
  }

  /** The env file as the host sees /etc/etcd.env, or null. */
  envFile(): string | null {
    return this.node.envFile();
  }

  /** The node (binaries, stand-ins, unit, certificates, env file) and the sshd configuration. */
  private layOut(): void {
    this.node.layOut();
    mkdirSync(join(this.root, 'ssh'), { recursive: true });
    this.options.pki?.installOn(this.node.sslDir, this.options.name, {
      caKey: false,
    });
    if (this.options.envFile && this.envFile() === null)
      this.node.writeEnvFile(this.options.envFile);
    writeFileSync(
      join(this.root, 'ssh', 'authorized_keys'),
      `${this.options.keys.publicKey}\n`,
      { mode: 0o600 },
    );
    writeFileSync(
      join(this.root, 'ssh', 'sshd_config'),
      [
        `ListenAddress ${this.address}:${this.sshPort}`,
        `HostKey ${join(this.root, 'ssh', 'ssh_host_ed25519_key')}`,
        `AuthorizedKeysFile ${join(this.root, 'ssh', 'authorized_keys')}`,
        `PidFile ${join(this.root, 'ssh', 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'PrintMotd no',
        'LogLevel ERROR',
        'MaxStartups 100',
        'MaxSessions 50',
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    this.layOut();
    const hostKey = join(this.root, 'ssh', 'ssh_host_ed25519_key');
    await ed25519KeyOnce(hostKey, `testhost-${this.options.name}`);
    this.trustHostKey();
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    this.sshd = startDaemon(
      'unshare',
      this.node.namespaced(
        `exec /usr/sbin/sshd -D -e -f ${join(this.root, 'ssh', 'sshd_config')}`,
      ),
      join(this.root, 'sshd.log'),
      withoutEtcdVariables(),
    );
    await waitFor(
      `sshd of test host ${this.options.name} on ${this.address}:${this.sshPort}`,
      async () => {
        if (!alive(this.sshd?.pid))
          throw new Error(
            `sshd exited; see ${join(this.root, 'sshd.log')}: ${readFileSync(join(this.root, 'sshd.log'), 'utf8').slice(-500)}`,
          );
        return portOpen(this.address, this.sshPort);
      },
    );
  }

  /** Adds this host's key to the lab's known_hosts (replacing an older line for the same host). */
  trustHostKey(): void {
    const pub = readFileSync(
      join(this.root, 'ssh', 'ssh_host_ed25519_key.pub'),
      'utf8',
    )
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(' ');
    const name =
      this.sshPort === 22 ? this.address : `[${this.address}]:${this.sshPort}`;
    const kh = this.options.keys.knownHostsFile;
    const lines = readFileSync(kh, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith(`${name} `));
    writeFileSync(kh, `${[...lines, `${name} ${pub}`].join('\n')}\n`);
  }

  /** Replaces the host key (as a reinstalled or intercepted host would), without telling known_hosts. */
  async changeHostKey(): Promise<void> {
    const hostKey = join(this.root, 'ssh', 'ssh_host_ed25519_key');
    rmSync(hostKey, { force: true });
    rmSync(`${hostKey}.pub`, { force: true });
    await execFileP('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-f',
      hostKey,
    ]);
    await this.stop();
    const keep = readFileSync(this.options.keys.knownHostsFile, 'utf8');
    await this.start();
    writeFileSync(this.options.keys.knownHostsFile, keep); // start() trusted the new key: undo that
  }

  /** Runs a command on the host over real SSH, with the system's ssh client. */
  async ssh(command: string): Promise<{ stdout: string; stderr: string }> {
    return execFileP('ssh', [
      '-i',
      this.options.keys.privateKeyFile,
      '-o',
      `UserKnownHostsFile=${this.options.keys.knownHostsFile}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-p',
      String(this.sshPort),
      `root@${this.address}`,
      command,
    ]);
  }

  /** Leaves another cluster's member/ in the data dir (the classic stale-data-dir failure). */
  async seedForeignDataDir(): Promise<void> {
    const { LabEtcdCluster } = await import('./etcdCluster');
    const foreign = new LabEtcdCluster({
      dir: join(this.root, 'foreign'),
      prefix: this.address.split('.').slice(0, 3).join('.'),
      token: 'another-cluster',
      release: this.node.options.release,
      members: [
        { name: 'old-node', address: this.address, dataDir: this.dataDir },
      ],
    });
    await foreign.start();
    await foreign.stop();
  }

  /** sshd and the etcd it runs ended: resolves once both are gone (the host's files are then free to remove). */
  async stop(): Promise<void> {
    const etcd = this.etcdPid();
    if (etcd) {
      killGroup(etcd, 'SIGKILL');
      rmSync(this.etcdPidFile, { force: true });
    }
    killGroup(this.sshd?.pid);
    await waitFor(
      `sshd of ${this.options.name} to exit`,
      async () => !alive(this.sshd?.pid),
      5_000,
    ).catch(() => killGroup(this.sshd?.pid, 'SIGKILL'));
    await waitFor(
      `etcd of ${this.options.name} to die`,
      async () => !alive(etcd) && !alive(this.sshd?.pid),
      10_000,
    ).catch(() => undefined); // the lab's stop then says what it could not remove
  }
}

export function appendKnownHost(file: string, line: string): void {
  appendFileSync(file, line.endsWith('\n') ? line : `${line}\n`);
}
