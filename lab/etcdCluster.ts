/**
 * A real etcd cluster of local processes, one loopback address per member: the "existing" cluster
 * that the demo and the tests scale out. Each member is a lab node (its own /etc, /var/lib/etcd and
 * /usr/local/bin) that runs etcd the way Kubespray's unit does: with /etc/etcd.env as its
 * environment, over Kubespray's certificates when the lab uses TLS.
 */

import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import {
  type EtcdRelease,
  etcdRelease,
  withoutEtcdVariables,
} from './etcdVersions';
import {
  KUBESPRAY_CLUSTER_TOKEN,
  renderKubesprayEnv,
  sslFiles,
} from './kubespray';
import { LabNode } from './node';
import type { LabPki } from './pki';
import { alive, killGroup, startDaemon, waitFor } from './processes';

export interface LabMember {
  name: string;
  address: string;
  clientURL: string;
  peerURL: string;
  node: LabNode;
  logFile: string;
  process?: ChildProcess;
}

/** The files a client of the cluster presents over TLS, as paths on this machine (the worker's). */
export interface ClientTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface EtcdClusterOptions {
  dir: string;
  /** First three octets, e.g. `127.0.1`; members get .11, .12, ... */
  prefix: string;
  size?: number;
  token?: string;
  release?: EtcdRelease;
  /** Kubespray-shaped mutual TLS with these certificates; plain http without. */
  pki?: LabPki;
  /** Explicit members instead of etcd1..N on .11.. (a data dir of another node, for example). */
  members?: Array<{ name: string; address: string; dataDir?: string }>;
}

export class LabEtcdCluster {
  readonly members: LabMember[];
  readonly token: string;
  readonly release: EtcdRelease;
  readonly scheme: 'http' | 'https';

  constructor(readonly options: EtcdClusterOptions) {
    this.token = options.token ?? KUBESPRAY_CLUSTER_TOKEN;
    this.release = options.release ?? etcdRelease();
    this.scheme = options.pki ? 'https' : 'http';
    const specs =
      options.members ??
      Array.from({ length: options.size ?? 3 }, (_, i) => ({
        name: `etcd${i + 1}`,
        address: `${options.prefix}.${11 + i}`,
        dataDir: undefined,
      }));
    this.members = specs.map((s) => ({
      name: s.name,
      address: s.address,
      clientURL: `${this.scheme}://${s.address}:2379`,
      peerURL: `${this.scheme}://${s.address}:2380`,
      node: new LabNode({
        root: join(options.dir, 'etcd', s.name),
        release: this.release,
        dataDir: s.dataDir,
      }),
      logFile: join(options.dir, 'etcd', `${s.name}.log`),
    }));
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientURL);
  }

  /** The first member's admin certificate (Kubespray's admin-<first etcd host>), or undefined over http. */
  get clientTls(): ClientTlsFiles | undefined {
    if (!this.options.pki) return undefined;
    const first = this.members[0];
    const f = sslFiles(first.name);
    return {
      caFile: join(first.node.sslDir, f.ca),
      certFile: join(first.node.sslDir, f.admin),
      keyFile: join(first.node.sslDir, f.adminKey),
    };
  }

  /** Lays out each member's node as Kubespray leaves it: certificates, env file (state new), unit. */
  private provision(): void {
    this.members.forEach((m, i) => {
      m.node.layOut();
      this.options.pki?.installOn(m.node.sslDir, m.name, { caKey: i === 0 });
      const env = renderKubesprayEnv({
        node: m,
        etcdGroup: this.members,
        state: 'new',
        tls: !!this.options.pki,
        version: this.release.version,
        token: this.token,
      });
      m.node.writeEnvFile(env);
    });
  }

  /** Runs the member from its /etc/etcd.env, as Kubespray's etcd.service does. */
  private startMember(m: LabMember): void {
    m.process = startDaemon(
      'unshare',
      m.node.namespaced(
        'set -a && . /etc/etcd.env && set +a && exec /usr/local/bin/etcd',
      ),
      m.logFile,
      withoutEtcdVariables(),
    );
  }

  async start(): Promise<void> {
    this.provision();
    for (const m of this.members) this.startMember(m);
    await this.waitHealthy();
  }

  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `etcd cluster ${this.endpoints.join(',')} healthy`,
      async () => {
        for (const m of this.members) {
          if (m.process && !alive(m.process.pid))
            throw new Error(
              `${m.name} exited: ${readFileSync(m.logFile, 'utf8').slice(-600)}`,
            );
          const c = this.client([m.clientURL]);
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

  private member(name: string): LabMember {
    const m = this.members.find((x) => x.name === name);
    if (!m)
      throw new Error(
        `no member ${name} in the lab cluster (${this.members.map((x) => x.name).join(', ')})`,
      );
    return m;
  }

  /** Stops one member (SIGTERM), for fault tests. */
  stopMember(name: string): void {
    killGroup(this.member(name).process?.pid);
  }

  /**
   * A member lost for good: its etcd SIGKILLed (no chance to flush or to leave) and, with `wipeDataDir`,
   * everything in its data dir deleted (a lost disk). The folder itself stays: the node's namespaces
   * bind-mount it as /var/lib/etcd. Resolves once the process is gone.
   */
  async crashMember(
    name: string,
    options: { wipeDataDir?: boolean } = {},
  ): Promise<void> {
    const m = this.member(name);
    const pid = m.process?.pid;
    killGroup(pid, 'SIGKILL');
    await waitFor(`${name}'s etcd to die`, async () => !alive(pid), 10_000);
    if (options.wipeDataDir)
      for (const entry of readdirSync(m.node.dataDir))
        rmSync(join(m.node.dataDir, entry), { recursive: true, force: true });
  }

  /** Restarts a stopped member with its data dir (its env file's initial-cluster settings are then ignored). */
  restartMember(name: string): void {
    this.startMember(this.member(name));
  }

  /** A client of the given endpoints (default: all members), over TLS with the admin certificate when the lab uses it. */
  client(hosts: string[] = this.endpoints): Etcd3 {
    const tls = this.clientTls;
    const credentials = tls
      ? {
          rootCertificate: readFileSync(tls.caFile),
          certChain: readFileSync(tls.certFile),
          privateKey: readFileSync(tls.keyFile),
        }
      : undefined;
    return new Etcd3({ hosts, dialTimeout: 2000, credentials });
  }

  /**
   * Ends every member at once (SIGKILL), for a cluster thrown away. Stopping them all gracefully together
   * takes ~7 s: the leader's shutdown tries to hand its leadership to a member that is stopping too, and
   * waits for that until etcd's timeout.
   */
  async kill(): Promise<void> {
    for (const m of this.members) killGroup(m.process?.pid, 'SIGKILL');
    await waitFor(
      'etcd members to die',
      async () => this.members.every((m) => !alive(m.process?.pid)),
      10_000,
    );
  }

  async stop(): Promise<void> {
    for (const m of this.members) killGroup(m.process?.pid);
    await waitFor(
      'etcd members to exit',
      async () => this.members.every((m) => !alive(m.process?.pid)),
      10_000,
    ).catch(() => {
      for (const m of this.members) killGroup(m.process?.pid, 'SIGKILL');
    });
  }
}
