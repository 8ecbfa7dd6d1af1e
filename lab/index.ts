/**
 * The lab: a real 3-member etcd cluster plus fresh SSH test hosts, all on loopback addresses of one
 * block (127.0.B.x), for the demo and the integration tests; any etcd version of lab/etcd-versions,
 * over plain http or Kubespray-shaped mutual TLS. It also checks the invariants that every run must
 * leave behind.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ClusterProfile,
  profileFileName,
} from '../src/domain/profile/profile';
import type { ScaleOutRequestInput } from '../src/domain/request/request';
import { LabControlPlane } from './controlPlane';
import { LabEtcdCluster } from './etcdCluster';
import { type EtcdRelease, etcdRelease } from './etcdVersions';
import { uploadLabKubeadmConfig } from './kubeadmConfig';
import {
  type EnvNode,
  KUBESPRAY_TUNING,
  renderKubesprayEnv,
} from './kubespray';
import { LABS_ROOT, leaveLabDir, reuseLabDir } from './labFolders';
import { LabPki } from './pki';
import { ensureLabKeys, type LabKeys, TestHost } from './testHosts';

export {
  type ControlPlaneNodeFacts,
  LabControlPlane,
  MANIFEST_PATH,
  type ReadinessReport,
} from './controlPlane';
export { type ClientTlsFiles, LabEtcdCluster } from './etcdCluster';
export { type EtcdRelease, etcdRelease, etcdReleases } from './etcdVersions';
export { KUBESPRAY_TUNING, renderKubesprayEnv } from './kubespray';
export { LABS_ROOT, removeLabDir } from './labFolders';
export { PostgresCluster } from './postgres';
export { findTemporalCli, TemporalDevServer } from './temporal';
export { TemporalServer, temporalServerBinaries } from './temporalServer';
export { TestHost } from './testHosts';

/**
 * What the new hosts have in /etc/etcd.env before a run:
 *  - `kubespray`: the whole file as Kubespray renders it once the host is in its etcd group (the TLS
 *    lab's default);
 *  - `tuning`: only Kubespray's tuning variables (the plain lab's default);
 *  - `none`: no env file at all, though the certificates, the binary and the unit are there (the env
 *    file is then for the scale-out to write in full).
 */
export type HostEnvShape = 'kubespray' | 'tuning' | 'none';

export interface LabOptions {
  /** Third octet of the lab's loopback block. */
  block: number;
  dir?: string;
  clusterSize?: number;
  newHosts?: number;
  /** For the members and the new hosts alike (default: $ETCD_VERSION, else lab/etcd-versions' default). */
  etcdVersion?: string;
  /** Kubespray-shaped mutual TLS: https everywhere, client and peer certificates required. */
  tls?: boolean;
  hostEnv?: HostEnvShape;
  /**
   * sshd on each member too, at the new hosts' address and port scheme, as on Kubespray's etcd hosts:
   * a member's env file, its CA and the CA key are read there, and the run writes the full member list
   * into its env file. Default: on (false: members no SSH reaches, as an unreachable host).
   */
  memberSsh?: boolean;
  /**
   * A stacked control plane (TLS labs only): each member host also runs a real kube-apiserver from
   * /etc/kubernetes/manifests/kube-apiserver.yaml, under a kubelet stand-in; start() returns once every
   * apiserver is ready. See controlPlane.ts.
   */
  controlPlane?: boolean;
}

export interface RequestOverrides {
  hosts?: TestHost[];
  strategy?: Record<string, unknown>;
  ticket?: { id: string; requestedBy?: string };
}

/**
 * Labs stopping in the background (Lab.stopLater), by block: a lab on the same block starts once they
 * are gone. A lab's processes take ~1-3 s to exit (the kube-apiservers' shutdown, sshd, etcd waited
 * on after its SIGKILL), which the next tests need not wait for when they run on other addresses.
 */
const stopping = new Map<number, Promise<void>>();
const stopFailures: Error[] = [];

/** What a lab's stop does with its folder (see labFolders.ts). */
export interface StopOptions {
  /** Keep the folder (a failed test's lab: the last two such are kept); ETCD_SCALEOUT_KEEP_LABS=1 keeps every one. */
  keep?: boolean;
}

/** Waits for every lab stopping in the background; throws if a stop failed. */
export async function labsStopped(): Promise<void> {
  await Promise.all(stopping.values());
  const failures = stopFailures.splice(0);
  if (failures.length)
    throw new Error(
      `lab stops failed: ${failures.map((e) => e.message).join('; ')}`,
    );
}

export class Lab {
  readonly dir: string;
  readonly cluster: LabEtcdCluster;
  readonly hosts: TestHost[] = [];
  /** The members' sshd (see LabOptions.memberSsh). */
  readonly memberHosts: TestHost[] = [];
  readonly release: EtcdRelease;
  readonly pki?: LabPki;
  /** The apiservers (LabOptions.controlPlane). */
  readonly controlPlane?: LabControlPlane;
  keys!: LabKeys;
  readonly prefix: string;

  constructor(readonly options: LabOptions) {
    this.prefix = `127.0.${options.block}`;
    this.dir = options.dir ?? join(LABS_ROOT, `block-${options.block}`);
    this.release = etcdRelease(options.etcdVersion);
    if (options.tls)
      this.pki = new LabPki(this.dir, [
        ...this.memberNodes(),
        ...this.newHostNodes(),
      ]);
    this.cluster = new LabEtcdCluster({
      dir: this.dir,
      prefix: this.prefix,
      size: this.options.clusterSize ?? 3,
      release: this.release,
      pki: this.pki,
    });
    if (options.controlPlane) {
      if (!this.pki || options.memberSsh === false)
        throw new Error(
          'a lab control plane needs tls and sshd on the members (Kubespray-shaped)',
        );
      this.controlPlane = new LabControlPlane({
        dir: this.dir,
        hosts: this.cluster.members,
        etcdServers: this.cluster.endpoints,
        pki: this.pki,
      });
    }
  }

  get scheme(): 'http' | 'https' {
    return this.cluster.scheme;
  }

  private memberNodes(): EnvNode[] {
    return Array.from({ length: this.options.clusterSize ?? 3 }, (_, i) => ({
      name: `etcd${i + 1}`,
      address: `${this.prefix}.${11 + i}`,
    }));
  }

  private newHostNodes(): EnvNode[] {
    const size = this.options.clusterSize ?? 3;
    return Array.from({ length: this.options.newHosts ?? 2 }, (_, i) => ({
      name: `etcd${size + i + 1}`,
      address: `${this.prefix}.${11 + size + i}`,
    }));
  }

  private hostEnvFile(node: EnvNode): string | null {
    const shape =
      this.options.hostEnv ?? (this.options.tls ? 'kubespray' : 'tuning');
    if (shape === 'none') return null;
    if (shape === 'tuning') return KUBESPRAY_TUNING;
    const etcdGroup = [...this.memberNodes(), ...this.newHostNodes()];
    return renderKubesprayEnv({
      node,
      etcdGroup,
      state: 'existing',
      tls: !!this.options.tls,
      version: this.release.version,
    });
  }

  async start(): Promise<this> {
    await stopping.get(this.options.block);
    reuseLabDir(this.dir);
    mkdirSync(this.dir, { recursive: true });
    [this.keys] = await Promise.all([
      ensureLabKeys(join(this.dir, 'keys')),
      this.pki?.create(),
    ]);
    await this.controlPlane?.prepare(); // before any sshd: their mount namespaces must see /etc/kubernetes
    for (const node of this.newHostNodes()) {
      this.hosts.push(
        new TestHost({
          name: node.name,
          address: node.address,
          dir: this.dir,
          keys: this.keys,
          envFile: this.hostEnvFile(node),
          release: this.release,
          pki: this.pki,
        }),
      );
    }
    await Promise.all([
      this.cluster.start(),
      ...this.hosts.map((h) => h.start()),
    ]);
    if (this.options.memberSsh ?? true) {
      for (const m of this.cluster.members)
        this.memberHosts.push(
          new TestHost({
            name: m.name,
            address: m.address,
            dir: this.dir,
            keys: this.keys,
            release: this.release,
            node: m.node,
          }),
        );
      await Promise.all(this.memberHosts.map((h) => h.start()));
    }
    if (this.controlPlane) {
      const since = Date.now();
      this.controlPlane.start();
      await this.controlPlane.waitReady(180_000, since);
      await uploadLabKubeadmConfig(this.controlPlane);
    }
    return this;
  }

  /** The lab cluster's profile, as an operator keeps it on the worker (src/domain/profile/profile.ts). */
  profile(): ClusterProfile {
    const tls = this.cluster.clientTls;
    return {
      cluster: {
        name: `lab-${this.options.block}`,
        endpoints: this.cluster.endpoints,
        ...(tls ? { tls } : {}),
        // The lab's hosts are loopback addresses: listed explicitly, as only an operator can.
        newMemberNetworks: [`${this.prefix}.0/24`],
      },
      ssh: {
        user: 'root',
        port: 2222,
        privateKeyFile: this.keys.privateKeyFile,
        knownHostsFile: this.keys.knownHostsFile,
      },
      backup: { dir: join(this.dir, 'backups') },
    };
  }

  /** Writes the lab cluster's profile into a worker's profiles folder; returns its file. */
  writeProfile(dir: string, profile: ClusterProfile = this.profile()): string {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, profileFileName(profile.cluster.name));
    writeFileSync(file, `${JSON.stringify(profile, null, 2)}\n`);
    return file;
  }

  /** A ticket's request: the cluster's name, the new members and the ticket; the rest is the profile's. */
  ticketRequest(overrides: RequestOverrides = {}): Record<string, unknown> {
    const hosts = overrides.hosts ?? this.hosts;
    return {
      cluster: { name: `lab-${this.options.block}` },
      newMembers: hosts.map((h) => ({
        name: h.options.name,
        host: h.address,
        peerURL: `${this.scheme}://${h.address}:2380`,
        clientURL: `${this.scheme}://${h.address}:2379`,
      })),
      ...(overrides.strategy ? { strategy: overrides.strategy } : {}),
      ticket: overrides.ticket ?? {
        id: `LAB-${this.options.block}`,
        requestedBy: 'lab',
      },
    };
  }

  /** A whole request (inline settings: the profile's values in the request) to add every test host, or the given ones. */
  request(overrides: RequestOverrides = {}): ScaleOutRequestInput {
    const { cluster, ssh, backup } = this.profile();
    const { newMembers, ticket } = this.ticketRequest(overrides);
    return {
      cluster,
      newMembers,
      ssh,
      strategy: {
        canary: 1,
        rollback: 'all',
        staleDataDir: 'quarantine',
        ...(overrides.strategy ?? {}),
      },
      backup,
      ticket,
    } as ScaleOutRequestInput;
  }

  /** Writes `count` keys under /lab/ and returns them, to check later that they survived. */
  async seedKeys(count = 50): Promise<Record<string, string>> {
    const c = this.cluster.client();
    const data: Record<string, string> = {};
    try {
      for (let i = 0; i < count; i++) {
        const k = `/lab/key-${String(i).padStart(4, '0')}`;
        data[k] = `value-${i}-${'x'.repeat(i % 17)}`;
        await c.put(k).value(data[k]);
      }
    } finally {
      c.close();
    }
    return data;
  }

  /**
   * What every run must leave: no learner, no unstarted member, no duplicate peer URL, every member
   * healthy with one leader, the expected members, and the seeded keys intact.
   */
  async checkInvariants(expect: {
    members: string[];
    keys: Record<string, string>;
  }): Promise<string[]> {
    const problems: string[] = [];
    const c = this.cluster.client();
    try {
      const { members } = await c.cluster.memberList({});
      const names = members.map((m) => m.name).sort();
      if (JSON.stringify(names) !== JSON.stringify([...expect.members].sort()))
        problems.push(
          `members ${names.join(',')} != expected ${[...expect.members].sort().join(',')}`,
        );
      const learners = members.filter((m) => m.isLearner);
      if (learners.length)
        problems.push(
          `learners left: ${learners.map((m) => m.name || m.ID).join(',')}`,
        );
      const unstarted = members.filter(
        (m) => !m.name || m.clientURLs.length === 0,
      );
      if (unstarted.length)
        problems.push(
          `unstarted members: ${unstarted.map((m) => m.ID).join(',')}`,
        );
      const peers = members.flatMap((m) => m.peerURLs);
      if (new Set(peers).size !== peers.length)
        problems.push('duplicate peer URLs');
      const leaders = new Set<string>();
      for (const m of members) {
        const one = this.cluster.client(m.clientURLs.slice(0, 1));
        try {
          const s = await one.maintenance.status();
          leaders.add(s.leader);
          if (s.errors?.length)
            problems.push(`${m.name}: ${s.errors.join(',')}`);
        } catch (err) {
          problems.push(`${m.name} unhealthy: ${(err as Error).message}`);
        } finally {
          one.close();
        }
      }
      if (leaders.size !== 1 || leaders.has('0'))
        problems.push(`leaders seen: ${[...leaders].join(',')}`);
      const all = await c.getAll().prefix('/lab/').strings();
      for (const [k, v] of Object.entries(expect.keys))
        if (all[k] !== v)
          problems.push(
            `key ${k} is ${JSON.stringify(all[k])}, expected ${JSON.stringify(v)}`,
          );
    } finally {
      c.close();
    }
    return problems;
  }

  /**
   * Stops the lab without waiting for it: a lab on the same block waits in start(), and the suite's
   * root hook waits for all (labsStopped).
   */
  stopLater(options: StopOptions = {}): void {
    const block = this.options.block;
    const done = Promise.all([stopping.get(block), this.stop(options)])
      .then(() => undefined)
      .catch((err: Error) => {
        stopFailures.push(
          new Error(`lab of block ${block}: ${err.message ?? err}`),
        );
      })
      .finally(() => {
        if (stopping.get(block) === done) stopping.delete(block);
      });
    stopping.set(block, done);
  }

  /**
   * The lab's processes ended (its etcd members SIGKILLed, as nothing of a lab outlives it: see
   * LabEtcdCluster.kill), then its folder removed once they are gone, unless kept (see StopOptions).
   */
  async stop(options: StopOptions = {}): Promise<void> {
    await this.controlPlane?.stop();
    await Promise.all([
      this.cluster.kill(),
      ...this.hosts.map((h) => h.stop()),
      ...this.memberHosts.map((h) => h.stop()),
    ]);
    leaveLabDir(this.dir, !!options.keep);
  }
}
