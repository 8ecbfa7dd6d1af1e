/**
 * Test hosts: real SSH servers (Debian's openssh-server), each on its own loopback address and in its
 * own mount namespace, so a session on it sees the production paths as that host's own:
 *   /etc            an overlay (writes such as /etc/etcd.env and /etc/ssl/etcd/ssl stay on this host)
 *   /var/lib/etcd   the host's data dir
 *   /usr/local/bin  etcd, etcdctl, and stand-ins for systemctl/journalctl that run a real etcd
 *   /run/etcd-testhost  the service's pid and log
 * The lab keeps one client key and one known_hosts file for all hosts.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { alive, execFileP, killGroup, portOpen, startDaemon, waitFor } from './processes';

/** The stand-in scripts: found from the checkout (cwd) first, so builds in other folders work too. */
const FILES = [join(process.cwd(), 'lab', 'files'), join(__dirname, '..', '..', 'lab', 'files')].find((d) => existsSync(d))!;

export interface LabKeys {
  privateKeyFile: string;
  publicKey: string;
  knownHostsFile: string;
}

export async function ensureLabKeys(dir: string): Promise<LabKeys> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateKeyFile = join(dir, 'id_ed25519');
  if (!existsSync(privateKeyFile)) await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'etcd-scaleout-lab', '-f', privateKeyFile]);
  const knownHostsFile = join(dir, 'known_hosts');
  if (!existsSync(knownHostsFile)) writeFileSync(knownHostsFile, '', { mode: 0o600 });
  return { privateKeyFile, publicKey: readFileSync(`${privateKeyFile}.pub`, 'utf8').trim(), knownHostsFile };
}

export interface TestHostOptions {
  name: string;
  address: string;
  sshPort?: number;
  dir: string;
  keys: LabKeys;
  /** Kubespray-like tuning already on the node before the scale-out. */
  envFile?: string | null;
}

export class TestHost {
  readonly root: string;
  readonly sshPort: number;
  private sshd?: ChildProcess;

  constructor(readonly options: TestHostOptions) {
    this.root = join(options.dir, 'hosts', options.name);
    this.sshPort = options.sshPort ?? 2222;
  }

  get address(): string {
    return this.options.address;
  }
  /** Where this host's /var/lib/etcd lives, seen from outside the host. */
  get dataDir(): string {
    return join(this.root, 'var-lib-etcd');
  }
  get etcUpper(): string {
    return join(this.root, 'etc-upper');
  }
  get runDir(): string {
    return join(this.root, 'run');
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

  /** The env file as the host sees /etc/etcd.env, or null. */
  envFile(): string | null {
    const p = join(this.etcUpper, 'etcd.env');
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  }

  private layOut(): void {
    for (const d of ['etc-upper', 'etc-work', 'var-lib-etcd', 'usr-local-bin', 'run', 'ssh']) mkdirSync(join(this.root, d), { recursive: true });
    mkdirSync(join(this.etcUpper, 'ssl', 'etcd', 'ssl'), { recursive: true });
    const bin = join(this.root, 'usr-local-bin');
    for (const f of ['systemctl', 'journalctl']) {
      copyFileSync(join(FILES, f), join(bin, f));
      chmodSync(join(bin, f), 0o755);
    }
    for (const f of ['etcd', 'etcdctl']) if (!existsSync(join(bin, f))) symlinkSync(`/usr/bin/${f}`, join(bin, f));
    if (this.options.envFile) writeFileSync(join(this.etcUpper, 'etcd.env'), this.options.envFile, { mode: 0o640 });
    writeFileSync(join(this.root, 'ssh', 'authorized_keys'), this.options.keys.publicKey + '\n', { mode: 0o600 });
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
    if (!existsSync(hostKey)) await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `testhost-${this.options.name}`, '-f', hostKey]);
    this.trustHostKey();
    mkdirSync('/var/lib/etcd', { recursive: true });
    mkdirSync('/run/etcd-testhost', { recursive: true });
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const mounts = [
      `mount -t overlay overlay -o lowerdir=/etc,upperdir=${this.etcUpper},workdir=${join(this.root, 'etc-work')} /etc`,
      `mount --bind ${this.dataDir} /var/lib/etcd`,
      `mount --bind ${join(this.root, 'usr-local-bin')} /usr/local/bin`,
      `mount --bind ${this.runDir} /run/etcd-testhost`,
      `exec /usr/sbin/sshd -D -e -f ${join(this.root, 'ssh', 'sshd_config')}`,
    ].join(' && ');
    this.sshd = startDaemon('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', mounts], join(this.root, 'sshd.log'));
    await waitFor(`sshd of test host ${this.options.name} on ${this.address}:${this.sshPort}`, async () => {
      if (!alive(this.sshd?.pid)) throw new Error(`sshd exited; see ${join(this.root, 'sshd.log')}: ${readFileSync(join(this.root, 'sshd.log'), 'utf8').slice(-500)}`);
      return portOpen(this.address, this.sshPort);
    });
  }

  /** Adds this host's key to the lab's known_hosts (replacing an older line for the same host). */
  trustHostKey(): void {
    const pub = readFileSync(join(this.root, 'ssh', 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const name = this.sshPort === 22 ? this.address : `[${this.address}]:${this.sshPort}`;
    const kh = this.options.keys.knownHostsFile;
    const lines = readFileSync(kh, 'utf8').split('\n').filter((l) => l && !l.startsWith(`${name} `));
    writeFileSync(kh, [...lines, `${name} ${pub}`].join('\n') + '\n');
  }

  /** Replaces the host key (as a reinstalled or intercepted host would), without telling known_hosts. */
  async changeHostKey(): Promise<void> {
    const hostKey = join(this.root, 'ssh', 'ssh_host_ed25519_key');
    rmSync(hostKey, { force: true });
    rmSync(`${hostKey}.pub`, { force: true });
    await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    await this.stop();
    const keep = readFileSync(this.options.keys.knownHostsFile, 'utf8');
    await this.start();
    writeFileSync(this.options.keys.knownHostsFile, keep); // start() trusted the new key: undo that
  }

  /** Runs a command on the host over real SSH, with the system's ssh client. */
  async ssh(command: string): Promise<{ stdout: string; stderr: string }> {
    return execFileP('ssh', [
      '-i', this.options.keys.privateKeyFile,
      '-o', `UserKnownHostsFile=${this.options.keys.knownHostsFile}`,
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      '-p', String(this.sshPort),
      `root@${this.address}`,
      command,
    ]);
  }

  /** Leaves another cluster's member/ in the data dir (the classic stale-data-dir failure). */
  async seedForeignDataDir(): Promise<void> {
    const { LabEtcdCluster } = await import('./etcdCluster');
    const foreign = new LabEtcdCluster({ dir: join(this.root, 'foreign'), prefix: this.address.split('.').slice(0, 3).join('.'), size: 1, token: 'another-cluster' });
    foreign.members[0].address = this.address;
    foreign.members[0].clientURL = `http://${this.address}:2379`;
    foreign.members[0].peerURL = `http://${this.address}:2380`;
    foreign.members[0].dataDir = this.dataDir;
    foreign.members[0].name = 'old-node';
    await foreign.start();
    await foreign.stop();
  }

  async stop(): Promise<void> {
    const etcd = this.etcdPid();
    if (etcd) {
      killGroup(etcd, 'SIGKILL');
      rmSync(this.etcdPidFile, { force: true });
    }
    killGroup(this.sshd?.pid);
    await waitFor(`sshd of ${this.options.name} to exit`, async () => !alive(this.sshd?.pid), 5_000).catch(() => killGroup(this.sshd?.pid, 'SIGKILL'));
  }
}

export function appendKnownHost(file: string, line: string): void {
  appendFileSync(file, line.endsWith('\n') ? line : line + '\n');
}
