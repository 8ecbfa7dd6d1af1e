/**
 * What the replacement tests share (replace, replace-failures, crash-replace): the request to replace
 * one member by one of the lab's new hosts, its run started on the suite's worker or a worker process
 * of the test's own, and the checks each test ends with beside the invariants: the members as etcd
 * lists them, every env file's member list, the replaced member's node.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import type { Lab, TestHost } from '../../lab';
import type { LabNode } from '../../lab/node';
import { portOpen, waitFor } from '../../lab/processes';
import { startRun } from '../../src/client';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import type { replaceEtcdMember } from '../../src/workflows';
import { controlPlaneOf } from './controlPlane';
import { outcome } from './runs';
import { getStack } from './stack';

export interface LiveMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** The members as etcd lists them now (asked through every client port of the lab that answers). */
export async function liveMembers(lab: Lab): Promise<LiveMember[]> {
  const c = lab.cluster.client(await answering(everyClientURL(lab)));
  try {
    const { members } = await c.cluster.memberList({});
    return members.map((m) => ({
      id: m.ID,
      name: m.name,
      peerURLs: m.peerURLs,
      clientURLs: m.clientURLs,
      isLearner: !!m.isLearner,
    }));
  } finally {
    c.close();
  }
}

/** The name of the member that leads now (asked of each member alone). */
export async function leaderName(lab: Lab): Promise<string> {
  const members = await liveMembers(lab);
  for (const m of members) {
    const c = lab.cluster.client(m.clientURLs);
    try {
      const s = await c.maintenance.status();
      const leader = members.find((x) => x.id === s.leader);
      if (leader) return leader.name;
    } catch {
      // a member down: ask the next
    } finally {
      c.close();
    }
  }
  throw new Error('no member names a leader');
}

/**
 * Hands leadership to `name` as an operator's `etcdctl move-leader` does (MoveLeader sent to the
 * leader), and waits until the members name it.
 */
export async function moveLeadershipTo(lab: Lab, name: string): Promise<void> {
  const members = await liveMembers(lab);
  const target = members.find((m) => m.name === name);
  const from = await leaderName(lab);
  if (!target) throw new Error(`no member named ${name}`);
  if (from === name) return;
  const c = lab.cluster.client(
    members.find((m) => m.name === from)?.clientURLs,
  );
  try {
    await c.maintenance.moveLeader({ targetID: target.id });
  } finally {
    c.close();
  }
  await waitFor(
    `${name} to lead (moved from ${from})`,
    async () => (await leaderName(lab)) === name,
    15_000,
    200,
  );
}

/** The URLs whose port is open now (a client given only dead endpoints fails; one given some may wait on them). */
async function answering(urls: string[]): Promise<string[]> {
  const open = await Promise.all(
    urls.map((u) => {
      const { hostname, port } = new URL(u);
      return portOpen(hostname, Number(port));
    }),
  );
  return urls.filter((_, i) => open[i]);
}

/** Every client URL the lab's members and new hosts have or will have. */
function everyClientURL(lab: Lab): string[] {
  return [
    ...lab.cluster.endpoints,
    ...lab.hosts.map((h) => `${lab.scheme}://${h.address}:2379`),
  ];
}

/** The lab node of a member or new host, by its etcd name. */
export function nodeOf(lab: Lab, name: string): LabNode {
  const node =
    lab.cluster.members.find((m) => m.name === name)?.node ??
    lab.hosts.find((h) => h.options.name === name)?.node;
  if (!node) throw new Error(`no lab node named ${name}`);
  return node;
}

export function hostNamed(lab: Lab, name: string): TestHost {
  const host = lab.hosts.find((h) => h.options.name === name);
  if (!host) throw new Error(`no new host named ${name}`);
  return host;
}

/**
 * The request to replace `replace` by the new host `by`: the lab's settings inline, the control
 * plane when the lab has one, and the cluster's endpoints as the members are now (an operator's
 * profile follows the cluster; the lab's first endpoints may be gone after an earlier replacement).
 */
export async function replaceRequest(
  lab: Lab,
  replace: string,
  by: TestHost,
  timing: { readyTimeoutSeconds?: number; settleSeconds?: number } = {},
): Promise<Record<string, unknown>> {
  const request = lab.request({ hosts: [by] }) as unknown as Record<
    string,
    Record<string, unknown>
  >;
  // As a profile made from the inventory lists them: the lab's members, then its new hosts (by address),
  // never etcd's member-list order, which changes from run to run.
  const octet = (u: string) => Number(new URL(u).hostname.split('.')[3]);
  const endpoints = (await liveMembers(lab))
    .flatMap((m) => m.clientURLs)
    .sort((a, b) => octet(a) - octet(b));
  return {
    ...request,
    cluster: { ...request.cluster, endpoints },
    replaceMember: replace,
    ...(lab.controlPlane
      ? { controlPlane: controlPlaneOf(lab, { settleSeconds: 2, ...timing }) }
      : {}),
  };
}

/**
 * Starts the replacement through the client's one start path (src/client/start.ts: the entry points'
 * check of the request, the run's labels), on the suite's worker or on `taskQueue` (a worker process of
 * the test's own). Each case has a run id of its own: the lab's ticket is the same for every case, and
 * one ticket's succeeded run would be found again instead of started.
 */
export async function startReplace(
  request: Record<string, unknown>,
  options: { taskQueue?: string; workflowId?: string } = {},
): Promise<WorkflowHandle<typeof replaceEtcdMember>> {
  const stack = await getStack();
  const { handle, kind, alreadyStarted } = await startRun(
    stack.client,
    request,
    {
      taskQueue: options.taskQueue ?? stack.taskQueue,
      workflowId: options.workflowId ?? `test-replace-${randomUUID()}`,
    },
  );
  assert.equal(
    kind,
    'replace',
    'a request with replaceMember is a replacement',
  );
  assert.equal(alreadyStarted, false);
  return handle as WorkflowHandle<typeof replaceEtcdMember>;
}

/** Runs the replacement to its end: its result or its failure (never throws for a failed run). */
export async function runReplace(
  request: Record<string, unknown>,
  options: { taskQueue?: string; workflowId?: string } = {},
) {
  return outcome(await startReplace(request, options));
}

/** `name=peerURL` of each member, sorted: what every env file's ETCD_INITIAL_CLUSTER must list. */
export const initialClusterOf = (members: LiveMember[]): string[] =>
  members.flatMap((m) => m.peerURLs.map((u) => `${m.name}=${u}`)).sort();

/** Every member's env file lists exactly the members etcd lists (none bootstraps towards a removed one). */
export async function assertEnvFiles(lab: Lab): Promise<void> {
  const members = await liveMembers(lab);
  const expected = initialClusterOf(members);
  for (const m of members) {
    const env = parseEnvFile(nodeOf(lab, m.name).envFile() ?? '');
    assert.deepEqual(
      (env.ETCD_INITIAL_CLUSTER ?? '').split(',').sort(),
      expected,
      `${m.name}'s ETCD_INITIAL_CLUSTER`,
    );
  }
}

/** Every live member's ETCD_INITIAL_CLUSTER lists the members in the order of `etcdServers` (by host). */
export async function assertEnvOrder(
  lab: Lab,
  etcdServers: string[],
): Promise<void> {
  const host = (u: string) => new URL(u).hostname;
  for (const m of await liveMembers(lab)) {
    const env = parseEnvFile(nodeOf(lab, m.name).envFile() ?? '');
    assert.deepEqual(
      (env.ETCD_INITIAL_CLUSTER ?? '')
        .split(',')
        .map((e) => host(e.slice(e.indexOf('=') + 1))),
      etcdServers.map(host),
      `${m.name}'s ETCD_INITIAL_CLUSTER in the order of etcdServers`,
    );
  }
}

/** What is left of a member's data dir: the entries of /var/lib/etcd on its node. */
export const dataDirEntries = (node: LabNode): string[] =>
  existsSync(node.dataDir) ? readdirSync(node.dataDir).sort() : [];
