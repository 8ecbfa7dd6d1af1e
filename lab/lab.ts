/**
 * A lab: a real etcd cluster plus fresh SSH test hosts, all on loopback addresses of one block
 * (127.0.B.x), with a stacked control plane if asked; its start and its stop.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterProfile } from '../src/domain/profile/profile';
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
import { checkLabInvariants, seedLabKeys } from './labInvariants';
import {
  labProfile,
  labRequest,
  labTicketRequest,
  type RequestOverrides,
  writeLabProfile,
} from './labRequests';
import { type StopOptions, stopInBackground, stopUnderWay } from './labStops';
import { LabPki } from './pki';
import { ensureLabKeys, type LabKeys, TestHost } from './testHosts';

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
  /** The lab's loopback block: 127.0.B.x; a block past 255 continues at 127.1.x (block 260: 127.1.4.x). */
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
    this.prefix = `127.${options.block >> 8}.${options.block & 255}`;
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
    await stopUnderWay(this.options.block);
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
    return labProfile(this);
  }

  /** Writes the lab cluster's profile into a worker's profiles folder; returns its file. */
  writeProfile(dir: string, profile: ClusterProfile = this.profile()): string {
    return writeLabProfile(dir, profile);
  }

  /** A ticket's request: the cluster's name, the new members and the ticket; the rest is the profile's. */
  ticketRequest(overrides: RequestOverrides = {}): Record<string, unknown> {
    return labTicketRequest(this, overrides);
  }

  /** A whole request (inline settings: the profile's values in the request) to add every test host, or the given ones. */
  request(overrides: RequestOverrides = {}): ScaleOutRequestInput {
    return labRequest(this, overrides);
  }

  /** Writes `count` keys under /lab/ and returns them, to check later that they survived. */
  seedKeys(count = 50): Promise<Record<string, string>> {
    return seedLabKeys(this.cluster, count);
  }

  /** The invariants every run must leave behind (see labInvariants.ts); the problems found. */
  checkInvariants(expect: {
    members: string[];
    keys: Record<string, string>;
  }): Promise<string[]> {
    return checkLabInvariants(this.cluster, expect);
  }

  /**
   * Stops the lab without waiting for it: a lab on the same block waits in start(), and the suite's
   * root hook waits for all (labsStopped).
   */
  stopLater(options: StopOptions = {}): void {
    stopInBackground(this.options.block, this.stop(options));
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
