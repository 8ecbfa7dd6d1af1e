/**
 * apiservers: tell each kube-apiserver the new member list, one control-plane node at a time, the way
 * Kubespray's docs and Kubernetes' "Replacing a failed etcd member" say to by hand, and never all at
 * once (Kubespray #9696). A step every workflow calls once its members are verified (scale-out now,
 * replace and scale-in later: `change` adds and removes).
 *
 * Per node: 1. every apiserver is ready before this one is touched (restarting one while another is
 * down would make two down): else the rollout stops here, nothing changed on this node, and the result
 * says what is left; 2. kubeadm's copy on the node (its kubeadm-config.yaml, when it has one) and the
 * manifest: each original saved outside the manifests folder (once), then etcd.external.endpoints and
 * --etcd-servers written atomically; 3. wait until the apiserver process runs with the new list and
 * answers /readyz ok, etcd included, for the settle period. A node that does not come back: its
 * originals are put back (apiserverRestore.ts), it is waited for until ready again, and the run fails
 * (ApiserverRolloutFailed) naming the node, the cause, what was changed and restored, and the nodes
 * already told. The etcd members stay: they are healthy and the old list still reaches them. At most
 * one apiserver is down at any moment: each activity is idempotent and its deadline absolute, so
 * retries and a new worker continue the same node. Once every node is told: 4. the kubeadm-config
 * ConfigMap, once (kubeadmConfigMap.ts), so the next `kubeadm upgrade` or join keeps the new list.
 */
import {
  CancellationScope,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type { ManifestWrite } from '../../activities';
import type { EtcdServersChange } from '../../domain/kubernetes/apiserverManifest';
import {
  type ControlPlaneNode,
  kubeadmPaths,
} from '../../domain/kubernetes/controlPlane';
import type { ClusterSettings } from '../../domain/request/request';
import { causeOf } from '../run/causeOf';
import type { ApiserverProgress } from '../run/messages';
import { apiserverNodeDone } from '../run/metrics';
import type { Run } from '../run/run';
import { restore, rolloutFailed } from './apiserverRestore';
import {
  type ApiserversResult,
  acts,
  describeChange,
  kubeadmByHand,
  notTold,
  probeOf,
  type Rollout,
  target,
} from './apiserverRollout';
import {
  KUBEADM_COPIES,
  kubeadmSummary,
  restoreConfigMap,
  tellConfigMap,
} from './kubeadmConfigMap';

export type { ApiserverOutcome, ApiserversResult } from './apiserverRollout';
export { notTold } from './apiserverRollout';

/** How long every apiserver may take to answer ready before a node is touched. */
const READY_NOW_MS = 30_000;

/**
 * `rollout` names one of several rollouts in a run (a scale-in's removals, a replacement's out and
 * in): each keeps its own originals, so a node put back returns to the list it had just before.
 */
export async function tellApiservers(
  run: Run,
  request: ClusterSettings,
  change: EtcdServersChange,
  rollout?: string,
): Promise<ApiserversResult> {
  const cp = request.controlPlane;
  if (!cp?.nodes.length) return notTold(change);
  return run.phase('apiservers', async () => {
    run.progress.apiservers = cp.nodes.map(
      (n): ApiserverProgress => ({ host: n.host, state: 'pending' }),
    );
    run.changed();
    const r: Rollout = {
      run,
      request,
      cp,
      change,
      runId: rollout
        ? `${workflowInfo().runId}-${rollout}`
        : workflowInfo().runId,
      outcomes: cp.nodes.map((n) => ({
        host: n.host,
        manifest: n.manifest,
        state: 'not-told',
      })),
    };
    for (const [i, node] of cp.nodes.entries()) {
      const refused = await everyApiserverReady(r, node);
      if (refused) return stopped(r, i, refused);
      await tellOne(r, i, node);
    }
    if (!patched(KUBEADM_COPIES)) return { told: 'all', nodes: r.outcomes };
    const kubeadmConfigMap = await tellConfigMap(r);
    return {
      told: 'all',
      nodes: r.outcomes,
      kubeadmConfigMap,
      kubeadm: kubeadmSummary(
        r.outcomes,
        kubeadmConfigMap,
        kubeadmPaths(cp).configFile,
      ),
    };
  });
}

/**
 * The undo of a rollout before the run's point of no return (a replacement's): the ConfigMap's
 * original back first (it was changed last), then each node's original manifest and kubeadm file from
 * this rollout's copy, one node at a time, last told first, each apiserver ready again before the
 * next; `record` sees each as it is done. A node that does not come back stops the undo there,
 * naming what is left.
 */
export async function restoreApiservers(
  run: Run,
  request: ClusterSettings,
  rollout: string,
  record: (done: string) => void,
): Promise<void> {
  const cp = request.controlPlane;
  if (!cp?.nodes.length) return;
  const r: Rollout = {
    run,
    request,
    cp,
    change: {},
    runId: `${workflowInfo().runId}-${rollout}`,
    outcomes: [],
  };
  if (patched(KUBEADM_COPIES)) {
    const configMap = await restoreConfigMap(r);
    if (configMap) record(configMap);
  }
  for (const node of [...cp.nodes].reverse()) {
    run.setStep(`${node.host}: restoreManifest`);
    const back = await restore(r, node);
    if (!back.ok) throw new Error(`${node.host}: ${back.text}`);
    record(`kube-apiserver on ${node.host}: ${back.text}`);
  }
}

/** Step 1: every apiserver answers ready now; else why not (the rollout stops before `node`). */
async function everyApiserverReady(
  r: Rollout,
  node: ControlPlaneNode,
): Promise<string | undefined> {
  r.run.setStep(`${node.host}: checkEveryApiserverReady`);
  const deadline = Date.now() + READY_NOW_MS;
  const answers = await Promise.all(
    r.cp.nodes.map(async (n) => {
      try {
        await acts(r, 'apiserverWait', n.host).waitForApiserver(
          target(r.request, n),
          probeOf(n),
          { settleMs: 0, deadline },
        );
        return undefined;
      } catch (err) {
        return `${n.host}: ${causeOf(err)}`;
      }
    }),
  );
  const down = answers.filter((a): a is string => !!a);
  return down.length
    ? `not every kube-apiserver was ready before ${node.host} was to be restarted (restarting one while another is down would leave two down): ${down.join('; ')}`
    : undefined;
}

function stopped(r: Rollout, at: number, why: string): ApiserversResult {
  const left = r.cp.nodes.slice(at).map((n) => n.host);
  return {
    told: at === 0 ? 'none' : 'some',
    nodes: r.outcomes,
    reason: `${why}; nothing was changed on ${left.join(', ')}: once every apiserver is ready, ${describeChange(r.change)} on each of them, one at a time, then ${kubeadmByHand(kubeadmPaths(r.cp).configFile)} (the etcd members stay: they are healthy)`,
  };
}

const now = () => new Date().toISOString();

/** Steps 2 and 3 for one node; on failure, its original back and the run's typed failure. */
async function tellOne(
  r: Rollout,
  i: number,
  node: ControlPlaneNode,
): Promise<void> {
  const p = (r.run.progress.apiservers ?? [])[i];
  const mark = (state: ApiserverProgress['state'], step?: string) => {
    p.state = state;
    if (step) r.run.setStep(`${node.host}: ${step}`);
    else r.run.changed();
  };
  const startedMs = Date.now();
  p.startedAt = now();
  let written: ManifestWrite | undefined;
  try {
    // 2. kubeadm's copy on the node, then the manifest: each original saved outside the manifests folder
    // (once per run), then the new list written atomically.
    mark('writing', 'writeManifest');
    written = await acts(r, 'change', node.host).writeApiserverManifest(
      target(r.request, node),
      node.manifest,
      r.change,
      r.runId,
      kubeadmPaths(r.cp).configFile,
    );
    // 3. Wait until the process runs with the new list and /readyz (etcd included) stays ok for the settle period.
    mark('restarting', 'waitUntilReady');
    const settleMs = r.cp.settleSeconds * 1000;
    const ready = await acts(r, 'apiserverWait', node.host).waitForApiserver(
      target(r.request, node),
      probeOf(node),
      {
        etcdServers: written.etcdServers,
        settleMs,
        deadline: startedMs + r.cp.readyTimeoutSeconds * 1000 + settleMs,
      },
    );
    p.readyAt = new Date(startedMs + ready.waitedMs).toISOString();
    p.totalMs = Date.now() - startedMs;
    apiserverNodeDone(written.written ? 'told' : 'unchanged', p.totalMs);
    mark(written.written ? 'told' : 'unchanged');
    Object.assign(r.outcomes[i], {
      state: written.written ? 'told' : 'unchanged',
      etcdServers: written.etcdServers,
      readyAfterMs: Date.now() - startedMs - settleMs,
      totalMs: p.totalMs,
      ...(written.kubeadm ? { kubeadmConfig: written.kubeadm } : {}),
    });
  } catch (err) {
    const cause = causeOf(err);
    mark('restoring', 'restoreManifest');
    const restored = await CancellationScope.nonCancellable(() =>
      restore(r, node),
    );
    mark(restored.ok ? 'restored' : 'failed');
    throw rolloutFailed(
      r,
      i,
      node,
      cause,
      written,
      restored.text,
      isCancellation(err),
    );
  }
}
