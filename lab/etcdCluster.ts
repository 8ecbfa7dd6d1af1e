/**
 * A real etcd cluster of local processes (Debian's etcd 3.4), one loopback address per member:
 * the "existing" cluster that the demo and the tests scale out.
 */
import { mkdirSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { killGroup, startDaemon, waitFor, alive } from './processes';

export interface LabMember {
  name: string;
  address: string;
  clientURL: string;
  peerURL: string;
  dataDir: string;
  logFile: string;
  process?: ChildProcess;
}

export interface EtcdClusterOptions {
  dir: string;
  /** First three octets, e.g. `127.0.1`; members get .11, .12, ... */
  prefix: string;
  size?: number;
  token?: string;
  etcdBinary?: string;
}

export class LabEtcdCluster {
  readonly members: LabMember[];
  readonly token: string;
  private readonly etcdBinary: string;

  constructor(readonly options: EtcdClusterOptions) {
    const size = options.size ?? 3;
    this.token = options.token ?? 'k8s_etcd';
    this.etcdBinary = options.etcdBinary ?? '/usr/bin/etcd';
    this.members = Array.from({ length: size }, (_, i) => {
      const address = `${options.prefix}.${11 + i}`;
      const name = `etcd${i + 1}`;
      return { name, address, clientURL: `http://${address}:2379`, peerURL: `http://${address}:2380`, dataDir: `${options.dir}/etcd/${name}`, logFile: `${options.dir}/etcd/${name}.log` };
    });
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientURL);
  }

  private startMember(m: LabMember, state: 'new' | 'existing'): void {
    mkdirSync(m.dataDir, { recursive: true });
    m.process = startDaemon(
      this.etcdBinary,
      [
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--listen-client-urls=${m.clientURL}`,
        `--advertise-client-urls=${m.clientURL}`,
        `--listen-peer-urls=${m.peerURL}`,
        `--initial-advertise-peer-urls=${m.peerURL}`,
        `--initial-cluster=${this.members.map((x) => `${x.name}=${x.peerURL}`).join(',')}`,
        `--initial-cluster-state=${state}`,
        `--initial-cluster-token=${this.token}`,
        '--logger=zap',
      ],
      m.logFile,
    );
  }

  async start(): Promise<void> {
    for (const m of this.members) this.startMember(m, 'new');
    await this.waitHealthy();
  }

  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `etcd cluster ${this.endpoints.join(',')} healthy`,
      async () => {
        for (const m of this.members) {
          const c = new Etcd3({ hosts: [m.clientURL], dialTimeout: 1000 });
          try {
            const s = await c.maintenance.status();
            if (!s.leader || s.leader === '0') return false;
          } finally {
            c.close();
          }
        }
        return true;
      },
      timeoutMs,
      300,
    );
  }

  /** Stops one member (SIGTERM), for fault tests. */
  stopMember(name: string): void {
    const m = this.members.find((x) => x.name === name)!;
    killGroup(m.process?.pid);
  }

  /** Restarts a stopped member with its data dir. */
  restartMember(name: string): void {
    const m = this.members.find((x) => x.name === name)!;
    this.startMember(m, 'existing');
  }

  client(): Etcd3 {
    return new Etcd3({ hosts: this.endpoints, dialTimeout: 2000 });
  }

  async stop(): Promise<void> {
    for (const m of this.members) killGroup(m.process?.pid);
    await waitFor('etcd members to exit', async () => this.members.every((m) => !alive(m.process?.pid)), 10_000).catch(() => {
      for (const m of this.members) killGroup(m.process?.pid, 'SIGKILL');
    });
  }
}
