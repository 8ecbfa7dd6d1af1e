/**
 * The lab: a real 3-member etcd cluster plus fresh SSH test hosts, all on loopback addresses of one
 * block (127.0.B.x), for the demo and the integration tests. It also checks the invariants that every
 * run must leave behind.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Etcd3 } from 'etcd3';
import { LabEtcdCluster } from './etcdCluster';
import { ensureLabKeys, TestHost, type LabKeys } from './testHosts';
import type { ScaleOutRequestInput } from '../src/domain/request';

export { LabEtcdCluster } from './etcdCluster';
export { TestHost } from './testHosts';
export { TemporalDevServer, findTemporalCli } from './temporal';

/** What Kubespray templates into /etc/etcd.env besides membership: kept by the merge. */
export const KUBESPRAY_TUNING = ['ETCD_HEARTBEAT_INTERVAL=100', 'ETCD_ELECTION_TIMEOUT=1000', 'ETCD_AUTO_COMPACTION_RETENTION=8', 'ETCD_METRICS=basic', 'ETCD_LOGGER=zap', ''].join('\n');

export interface LabOptions {
  /** Third octet of the lab's loopback block. */
  block: number;
  dir?: string;
  clusterSize?: number;
  newHosts?: number;
}

export class Lab {
  readonly dir: string;
  readonly cluster: LabEtcdCluster;
  readonly hosts: TestHost[] = [];
  keys!: LabKeys;
  readonly prefix: string;

  constructor(readonly options: LabOptions) {
    this.prefix = `127.0.${options.block}`;
    this.dir = options.dir ?? join(tmpdir(), 'etcd-scaleout-lab', `block-${options.block}`);
    this.cluster = new LabEtcdCluster({ dir: this.dir, prefix: this.prefix, size: options.clusterSize ?? 3 });
  }

  async start(): Promise<this> {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    this.keys = await ensureLabKeys(join(this.dir, 'keys'));
    const size = this.options.clusterSize ?? 3;
    for (let i = 0; i < (this.options.newHosts ?? 2); i++) {
      this.hosts.push(new TestHost({ name: `etcd${size + i + 1}`, address: `${this.prefix}.${11 + size + i}`, dir: this.dir, keys: this.keys, envFile: KUBESPRAY_TUNING }));
    }
    await Promise.all([this.cluster.start(), ...this.hosts.map((h) => h.start())]);
    return this;
  }

  /** A request to add every test host (or the given ones) to the lab cluster. */
  request(overrides: { hosts?: TestHost[]; strategy?: Record<string, unknown>; ticket?: { id: string; requestedBy?: string } } = {}): ScaleOutRequestInput {
    const hosts = overrides.hosts ?? this.hosts;
    return {
      cluster: { name: `lab-${this.options.block}`, endpoints: this.cluster.endpoints },
      newMembers: hosts.map((h) => ({ name: h.options.name, host: h.address, peerURL: `http://${h.address}:2380`, clientURL: `http://${h.address}:2379` })),
      ssh: { user: 'root', port: 2222, privateKeyFile: this.keys.privateKeyFile, knownHostsFile: this.keys.knownHostsFile },
      strategy: { canary: 1, rollback: 'all', staleDataDir: 'quarantine', ...(overrides.strategy ?? {}) } as ScaleOutRequestInput['strategy'],
      backup: { dir: join(this.dir, 'backups') },
      ticket: overrides.ticket ?? { id: `LAB-${this.options.block}`, requestedBy: 'lab' },
    };
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
  async checkInvariants(expect: { members: string[]; keys: Record<string, string> }): Promise<string[]> {
    const problems: string[] = [];
    const c = this.cluster.client();
    try {
      const { members } = await c.cluster.memberList({});
      const names = members.map((m) => m.name).sort();
      if (JSON.stringify(names) !== JSON.stringify([...expect.members].sort())) problems.push(`members ${names.join(',')} != expected ${[...expect.members].sort().join(',')}`);
      const learners = members.filter((m) => m.isLearner);
      if (learners.length) problems.push(`learners left: ${learners.map((m) => m.name || m.ID).join(',')}`);
      const unstarted = members.filter((m) => !m.name || m.clientURLs.length === 0);
      if (unstarted.length) problems.push(`unstarted members: ${unstarted.map((m) => m.ID).join(',')}`);
      const peers = members.flatMap((m) => m.peerURLs);
      if (new Set(peers).size !== peers.length) problems.push('duplicate peer URLs');
      const leaders = new Set<string>();
      for (const m of members) {
        const one = new Etcd3({ hosts: m.clientURLs.slice(0, 1), dialTimeout: 2000 });
        try {
          const s = await one.maintenance.status();
          leaders.add(s.leader);
          if (s.errors?.length) problems.push(`${m.name}: ${s.errors.join(',')}`);
        } catch (err) {
          problems.push(`${m.name} unhealthy: ${(err as Error).message}`);
        } finally {
          one.close();
        }
      }
      if (leaders.size !== 1 || leaders.has('0')) problems.push(`leaders seen: ${[...leaders].join(',')}`);
      const all = await c.getAll().prefix('/lab/').strings();
      for (const [k, v] of Object.entries(expect.keys)) if (all[k] !== v) problems.push(`key ${k} is ${JSON.stringify(all[k])}, expected ${JSON.stringify(v)}`);
    } finally {
      c.close();
    }
    return problems;
  }

  async stop(): Promise<void> {
    await Promise.all([this.cluster.stop(), ...this.hosts.map((h) => h.stop())]);
  }
}
