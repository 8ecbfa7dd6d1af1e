/**
 * The checks of test/integration/apiservers.test.ts on what a 3 -> 5 run shows and leaves on the
 * control-plane lab: the plan's diff per node, the originals kept outside the manifests folder, one
 * member order everywhere, and the phase's cost from history.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { Lab } from '../../lab';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import { etcdServersOf } from '../../src/domain/kubernetes/apiserverManifest';
import { hostOf } from '../../src/domain/request/patterns';
import type { ScaleOutRequestInput } from '../../src/domain/request/request';
import {
  clientURLs,
  controlPlaneOf,
  cpOf,
  HOSTS,
  MANIFEST,
} from './controlPlane';
import { auditOf } from './history';

/** The lab's three original members' client URLs, and the five after the run. */
export const original = (lab: Lab) => clientURLs(lab, 3);
export const grown = (lab: Lab) => clientURLs(lab, 5);

/** The lab's request with its control plane, as a profile names it (paths on the worker). */
export function controlPlaneRequest(
  lab: Lab,
  waits: { readyTimeoutSeconds?: number; settleSeconds?: number } = {},
): ScaleOutRequestInput {
  return {
    ...lab.request(),
    controlPlane: controlPlaneOf(lab, waits),
  } as ScaleOutRequestInput;
}

/** `plan`'s text: per node, the one line of its manifest that would change, then kubeadm's copies. */
export function assertPlanShowsEachDiff(lab: Lab, plan: string): void {
  const cp = cpOf(lab);
  for (const [i, address] of cp.nodes().map((n, j) => [j, n.address]))
    assert.ok(
      plan.includes(
        [
          `  ${Number(i) + 1}. ${address}:`,
          `    --- ${MANIFEST}`,
          `    +++ ${MANIFEST} (to be written)`,
        ].join('\n'),
      ),
      plan,
    );
  assert.equal(
    plan.match(
      new RegExp(`^ {4}\\+ {4}- --etcd-servers=${grown(lab).join(',')}$`, 'gm'),
    )?.length,
    3,
    plan,
  );
  // kubeadm's copies: each node's kubeadm-config.yaml, then the ConfigMap once.
  assert.equal(
    plan.match(/^ {4}--- \/etc\/kubernetes\/kubeadm-config\.yaml$/gm)?.length,
    3,
    plan,
  );
  assert.equal(
    plan.match(/^ {4}\+ {6}- "https:\/\/[0-9.]+:2379"$/gm)?.length,
    3 * 5,
    plan,
  );
  assert.match(
    plan,
    /then once, through \/etc\/kubernetes\/admin\.conf on [0-9.]+:\n {4}--- ConfigMap kube-system\/kubeadm-config \(ClusterConfiguration\)\n/,
  );
}

/** Prints the apiservers phase's cost per node (the manifest activity edits kubeadm-config.yaml first) and the ConfigMap's, from history. */
export async function printPhaseCost(handle: WorkflowHandle): Promise<void> {
  const report = await auditOf(handle);
  const ms = (x?: number) => `${((x ?? 0) / 1000).toFixed(2)}s`;
  const phase = report.phases.find((p) => p.phase === 'apiservers');
  const of = (name: string) =>
    report.activities
      .filter((x) => x.name === name)
      .map((x) => ms(x.durationMs));
  console.log(
    `      apiservers phase ${ms(phase?.durationMs)}; writeApiserverManifest ${of('writeApiserverManifest').join(', ')}; updateKubeadmConfigMap ${of('updateKubeadmConfigMap').join(', ')}`,
  );
}

/**
 * The run's originals, byte for byte, kept in its backup folder outside the manifests folder (the
 * kubelet runs every file in it): each node's manifest and kubeadm-config.yaml, and the ConfigMap on
 * the node it was changed through.
 */
export function assertOriginalsKept(
  lab: Lab,
  runId: string,
  manifests: Record<string, string>,
  kubeadmFiles: Record<string, string>,
): void {
  const cp = cpOf(lab);
  for (const h of HOSTS) {
    const folder = dirname(cp.manifestFile(h));
    const kept = join(
      dirname(folder),
      'etcd-scaleout-backups',
      runId,
      basename(MANIFEST),
    );
    assert.equal(readFileSync(kept, 'utf8'), manifests[h], `${h}: ${kept}`);
    assert.deepEqual(readdirSync(folder), [basename(MANIFEST)], h);
    const keptKubeadm = join(dirname(kept), 'kubeadm-config.yaml');
    assert.equal(readFileSync(keptKubeadm, 'utf8'), kubeadmFiles[h]);
  }
  const keptCm = join(
    dirname(dirname(cp.manifestFile(HOSTS[0]))),
    'etcd-scaleout-backups',
    runId,
    'kubeadm-config.ClusterConfiguration.yaml',
  );
  assert.match(readFileSync(keptCm, 'utf8'), /kind: ClusterConfiguration/);
}

/**
 * One order everywhere (planning/memberOrder.ts): the profile's, new members appended. Every
 * manifest's --etcd-servers and every member's ETCD_INITIAL_CLUSTER name the members as the result's
 * `etcdServers` does.
 */
export function assertOneMemberOrder(lab: Lab, etcdServers: string[]): void {
  const cp = cpOf(lab);
  for (const h of HOSTS)
    assert.deepEqual(
      etcdServersOf(cp.manifest(h), MANIFEST),
      etcdServers,
      `${h}: --etcd-servers`,
    );
  const envFiles = [
    ...lab.cluster.members.map((m) => [m.name, m.node.envFile()]),
    ...lab.hosts.map((h) => [h.options.name, h.envFile()]),
  ];
  assert.equal(envFiles.length, 5);
  for (const [name, text] of envFiles)
    assert.deepEqual(
      parseEnvFile(text ?? '')
        .ETCD_INITIAL_CLUSTER.split(',')
        .map((e) => hostOf(e.slice(e.indexOf('=') + 1))),
      etcdServers.map(hostOf),
      `${name}: ETCD_INITIAL_CLUSTER`,
    );
}
