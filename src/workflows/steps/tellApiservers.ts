/**
 * apiservers: tell each kube-apiserver the new member list, one control-plane node at a time, the way
 * Kubespray's docs and Kubernetes' "Replacing a failed etcd member" say to by hand, and never all at
 * once (Kubespray #9696). A step every workflow calls once its members are verified (scale-out now,
 * replace and scale-in later: `change` adds and removes).
 *
 * Per node: 1. every apiserver is ready before this one is touched (restarting one while another is
 * down would make two down): else the rollout stops here, nothing changed on this node, and the result
 * says what is left; 2. the manifest's original is saved outside the manifests folder (once) and its
 * --etcd-servers written atomically; 3. wait until the apiserver process runs with the new list and
 * answers /readyz ok, etcd included, for the settle period. A node that does not come back: its
 * original is put back, it is waited for until ready again, and the run fails (ApiserverRolloutFailed)
 * naming the node, the cause, what was changed and restored, and the nodes already told. The etcd
 * members stay: they are healthy and the old list still reaches them. At most one apiserver is down
 * at any moment: each activity is idempotent and its deadline absolute, so retries and a new worker
 * continue the same node.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import type { ManifestWrite, SshTarget } from '../../activities';
import { ErrorType } from '../../domain/errors';
import type { EtcdServersChange } from '../../domain/kubernetes/apiserverManifest';
import type {
  ControlPlane,
  ControlPlaneNode,
} from '../../domain/kubernetes/controlPlane';
import type { ClusterSettings } from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { type ApiserverProgress, activitySummary } from '../run/messages';
import { apiserverNodeDone } from '../run/metrics';
import type { Run } from '../run/run';
import { hostSshTarget } from '../run/sshTarget';

/** How long every apiserver may take to answer ready before a node is touched. */
const READY_NOW_MS = 30_000;

export interface ApiserverOutcome {
  host: string;
  manifest: string;
  /** told: restarted with the new list; unchanged: it had it already; not-told: left as it was. */
  state: 'told' | 'unchanged' | 'not-told';
  etcdServers?: string[];
  /** From the write until it ran with the new list and answered ready (the settle period then began). */
  readyAfterMs?: number;
  /** From the write to the end of the settle period. */
  totalMs?: number;
}

export interface ApiserversResult {
  told: 'all' | 'some' | 'none';
  nodes: ApiserverOutcome[];
  /** Why not every apiserver was told, and what is left to do. */
  reason?: string;
}

/**
 * What the apiservers of a run without control-plane nodes are told: nothing, and the result says so,
 * with the change to make by hand: the members to append to or take out of each list (never a whole
 * list to paste, which would drop the members the change does not name).
 */
export const notTold = (change: EtcdServersChange): ApiserversResult => {
  const edits = [
    change.add?.length ? `append ${change.add.join(',')}` : '',
    change.remove?.length ? `take out ${change.remove.join(',')}` : '',
  ].filter(Boolean);
  return {
    told: 'none',
    nodes: [],
    reason: `the profile names no control-plane nodes (controlPlane.nodes): the kube-apiservers were not told; on each control-plane node, one at a time, ${edits.join(' and ')} in the --etcd-servers of its kube-apiserver manifest (keeping the other members in their order) and wait until it is ready`,
  };
};

interface Rollout {
  run: Run;
  request: ClusterSettings;
  cp: ControlPlane;
  change: EtcdServersChange;
  runId: string;
  outcomes: ApiserverOutcome[];
}

const target = (request: ClusterSettings, n: ControlPlaneNode): SshTarget =>
  hostSshTarget(request, n.host, n.sshPort ?? request.ssh.port);
const probeOf = (n: ControlPlaneNode) => ({
  readyzURL: n.readyzURL,
  tls: n.tls,
});
const acts = (
  r: Rollout,
  policy: 'read' | 'change' | 'apiserverWait' | 'compensate',
  host: string,
) =>
  activities(policy, r.request.strategy, activitySummary('apiservers', host));

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
    return { told: 'all', nodes: r.outcomes };
  });
}

/**
 * The undo of a rollout before the run's point of no return (a replacement's): each node's original
 * manifest back from this rollout's copy, one node at a time, last told first, each apiserver ready
 * again before the next; `record` sees each node as it is done. A node that does not come back stops
 * the undo there, naming what is left.
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
    reason: `${why}; nothing was changed on ${left.join(', ')}: once every apiserver is ready, ${describeChange(r.change)} on each of them, one at a time (the etcd members stay: they are healthy)`,
  };
}

const describeChange = (c: EtcdServersChange) =>
  [
    c.add?.length ? `add ${c.add.join(',')} to --etcd-servers` : '',
    c.remove?.length ? `remove ${c.remove.join(',')} from --etcd-servers` : '',
  ]
    .filter(Boolean)
    .join(' and ');

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
    // 2. Save the original outside the manifests folder (once per run), then write the new list atomically.
    mark('writing', 'writeManifest');
    written = await acts(r, 'change', node.host).writeApiserverManifest(
      target(r.request, node),
      node.manifest,
      r.change,
      r.runId,
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

/** The node's original manifest back, then ready again with the original list. */
async function restore(
  r: Rollout,
  node: ControlPlaneNode,
): Promise<{ ok: boolean; text: string }> {
  const settleMs = r.cp.settleSeconds * 1000;
  const deadline = Date.now() + r.cp.readyTimeoutSeconds * 1000 + settleMs;
  let what = '';
  try {
    const back = await acts(
      r,
      'compensate',
      node.host,
    ).restoreApiserverManifest(target(r.request, node), node.manifest, r.runId);
    what =
      back.restored === 'restored'
        ? `${node.manifest} put back from this run's copy of the original`
        : back.restored === 'unchanged'
          ? `${node.manifest} was still the original`
          : `nothing to restore (${node.manifest} was not touched)`;
    r.run.setStep(`${node.host}: waitUntilReadyAgain`);
    await acts(r, 'apiserverWait', node.host).waitForApiserver(
      target(r.request, node),
      probeOf(node),
      { etcdServers: back.etcdServers, settleMs, deadline },
    );
    return { ok: true, text: `${what}; its kube-apiserver is ready again` };
  } catch (err) {
    return {
      ok: false,
      text: `${what || `${node.manifest} NOT restored`}; its kube-apiserver is NOT ready again (${causeOf(err)}): on ${node.host}, put back the original kept outside the manifests folder (etcd-scaleout-backups/${r.runId}) and check the kubelet`,
    };
  }
}

function rolloutFailed(
  r: Rollout,
  i: number,
  node: ControlPlaneNode,
  cause: string,
  written: ManifestWrite | undefined,
  restored: string,
  cancelled: boolean,
): ApplicationFailure {
  const done = r.outcomes.slice(0, i).map((o) => o.host);
  const notTouched = r.cp.nodes.slice(i + 1).map((n) => n.host);
  const changed = written
    ? written.written
      ? `${node.manifest} --etcd-servers from ${written.original.join(',')} to ${written.etcdServers.join(',')}`
      : `nothing (${node.manifest} had the new list already)`
    : `${node.manifest} --etcd-servers, if the write got through`;
  const message =
    `telling the kube-apiservers stopped at ${node.host}${cancelled ? ' (cancelled)' : ''}: ${cause}; changed: ${changed}; restored: ${restored}; ` +
    `already told: ${done.length ? done.join(', ') : 'none'}; not touched: ${notTouched.length ? notTouched.join(', ') : 'none'}; ` +
    'the etcd members stay (healthy; the old list still reaches them)';
  return ApplicationFailure.create({
    // A cancel is the run's outcome, as in every other phase: the node is put back all the same.
    type: cancelled ? ErrorType.Cancelled : ErrorType.ApiserverRolloutFailed,
    message,
    details: [
      {
        failedStep: `apiservers (${node.host})`,
        node: node.host,
        cause,
        changed,
        restored,
        told: done,
        notTouched,
        apiservers: r.outcomes,
      },
    ],
    nonRetryable: true,
  });
}
