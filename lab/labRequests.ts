/**
 * What a lab's cluster is asked with: its profile (as an operator keeps it on the worker), a ticket's
 * request naming the profile, and a whole inline request (Lab.profile, Lab.ticketRequest, Lab.request).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ClusterProfile,
  profileFileName,
} from '../src/domain/profile/profile';
import type { ScaleOutRequestInput } from '../src/domain/request/request';
import type { Lab } from './lab';
import type { TestHost } from './testHosts';

export interface RequestOverrides {
  hosts?: TestHost[];
  strategy?: Record<string, unknown>;
  ticket?: { id: string; requestedBy?: string };
}

/** The lab cluster's profile, as an operator keeps it on the worker (src/domain/profile/profile.ts). */
export function labProfile(lab: Lab): ClusterProfile {
  const tls = lab.cluster.clientTls;
  return {
    cluster: {
      name: `lab-${lab.options.block}`,
      endpoints: lab.cluster.endpoints,
      ...(tls ? { tls } : {}),
      // The lab's hosts are loopback addresses: listed explicitly, as only an operator can.
      newMemberNetworks: [`${lab.prefix}.0/24`],
    },
    ssh: {
      user: 'root',
      port: 2222,
      privateKeyFile: lab.keys.privateKeyFile,
      knownHostsFile: lab.keys.knownHostsFile,
    },
    backup: { dir: join(lab.dir, 'backups') },
  };
}

/** Writes a cluster's profile into a worker's profiles folder; returns its file. */
export function writeLabProfile(dir: string, profile: ClusterProfile): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, profileFileName(profile.cluster.name));
  writeFileSync(file, `${JSON.stringify(profile, null, 2)}\n`);
  return file;
}

/** A ticket's request: the cluster's name, the new members and the ticket; the rest is the profile's. */
export function labTicketRequest(
  lab: Lab,
  overrides: RequestOverrides,
): Record<string, unknown> {
  const hosts = overrides.hosts ?? lab.hosts;
  return {
    cluster: { name: `lab-${lab.options.block}` },
    newMembers: hosts.map((h) => ({
      name: h.options.name,
      host: h.address,
      peerURL: `${lab.scheme}://${h.address}:2380`,
      clientURL: `${lab.scheme}://${h.address}:2379`,
    })),
    ...(overrides.strategy ? { strategy: overrides.strategy } : {}),
    ticket: overrides.ticket ?? {
      id: `LAB-${lab.options.block}`,
      requestedBy: 'lab',
    },
  };
}

/** A whole request (inline settings: the profile's values in the request) to add every test host, or the given ones. */
export function labRequest(
  lab: Lab,
  overrides: RequestOverrides,
): ScaleOutRequestInput {
  const { cluster, ssh, backup } = lab.profile();
  const { newMembers, ticket } = lab.ticketRequest(overrides);
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
