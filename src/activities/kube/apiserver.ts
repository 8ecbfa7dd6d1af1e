/**
 * Waiting for a control-plane node's kube-apiserver: until the process serving its /readyz runs with
 * the expected --etcd-servers (so the kubelet restarted it with the new manifest) and /readyz says ok,
 * etcd included, without a break and from the same process for the settle period. The deadline is
 * absolute (epoch ms, from the workflow), so a retry on another worker keeps it; the process is asked
 * again each POLL_MS, so a killed worker's successor converges on the same answer.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import { sameServer } from '../../domain/kubernetes/apiserverManifest';
import type { CheckpointHook } from '../checkpoints';
import { beat } from '../liveness';
import type { Remote } from '../node/remote';
import type { SshTarget } from '../node/ssh';
import {
  APISERVER_PROBE,
  etcdServersArg,
  parseProbe,
  servingProcess,
} from './apiserverProcess';
import { askReadyz, type ReadyzTarget } from './readyz';

const POLL_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ApiserverExpectation {
  /** The list the process must run with; none: any list (the check before a node is touched). */
  etcdServers?: string[];
  /** How long it must stay ready, from one process, before it counts. */
  settleMs: number;
  /** Epoch ms: not ready by then is ApiserverNotReady. */
  deadline: number;
}

export interface ApiserverReady {
  pid: number;
  etcdServers: string[];
  /** How long this attempt waited until the settle period began. */
  waitedMs: number;
  polls: number;
}

type Observation =
  | { ok: true; pid: number; start: string; etcdServers: string[] }
  | { ok: false; why: string };

const sameList = (a: string[], b: string[]) =>
  a.length === b.length && a.every((s, i) => sameServer(s, b[i]));

export function createApiserverActivities(deps: {
  remote: Remote;
  checkpoint: CheckpointHook;
  readyz?: typeof askReadyz;
}) {
  const { remote, checkpoint } = deps;
  const readyz = deps.readyz ?? askReadyz;

  async function observe(
    target: SshTarget,
    node: ReadyzTarget,
    expected: string[] | undefined,
  ): Promise<Observation> {
    const url = new URL(node.readyzURL);
    const r = await remote.run(target, APISERVER_PROBE);
    const serving = servingProcess(
      parseProbe(r.stdout),
      url.hostname,
      Number(url.port),
    );
    if (!serving.found) return { ok: false, why: serving.why };
    const { pid, start, args } = serving.process;
    const running = etcdServersArg(args) ?? [];
    if (expected && !sameList(running, expected))
      return {
        ok: false,
        why: `kube-apiserver pid ${pid} still runs with --etcd-servers=${running.join(',')} (waiting for ${expected.join(',')})`,
      };
    const ready = await readyz(node);
    if (!ready.ready) return { ok: false, why: `pid ${pid}: ${ready.why}` };
    return { ok: true, pid, start, etcdServers: running };
  }

  return {
    /**
     * Until the node's kube-apiserver runs with `expect.etcdServers` and answers /readyz ok (etcd
     * included) continuously for `expect.settleMs`; ApiserverNotReady at the deadline, naming the last
     * thing seen.
     */
    async waitForApiserver(
      target: SshTarget,
      node: ReadyzTarget,
      expect: ApiserverExpectation,
    ): Promise<ApiserverReady> {
      const began = Date.now();
      let polls = 0;
      let last = 'not asked yet';
      let settled: { since: number; pid: number; start: string } | undefined;
      for (;;) {
        polls++;
        let seen: Observation;
        try {
          seen = await observe(target, node, expect.etcdServers);
        } catch (err) {
          if (
            err instanceof ApplicationFailure &&
            err.nonRetryable // credentials unreadable, host key refused: no wait cures them
          )
            throw err;
          seen = { ok: false, why: (err as Error).message };
        }
        const now = Date.now();
        if (seen.ok) {
          if (
            !settled ||
            settled.pid !== seen.pid ||
            settled.start !== seen.start
          )
            settled = { since: now, pid: seen.pid, start: seen.start };
          last = `pid ${seen.pid} ready since ${((now - settled.since) / 1000).toFixed(1)} s`;
          if (now - settled.since >= expect.settleMs)
            return {
              pid: seen.pid,
              etcdServers: seen.etcdServers,
              waitedMs: settled.since - began,
              polls,
            };
        } else {
          settled = undefined;
          last = seen.why;
        }
        beat({ last, polls });
        checkpoint('waitForApiserver:polling');
        if (now > expect.deadline)
          throw ApplicationFailure.nonRetryable(
            `kube-apiserver on ${target.host} (${node.readyzURL}) was not ready${expect.etcdServers ? ' with the --etcd-servers it should run with' : ''}${expect.settleMs ? ` for ${expect.settleMs / 1000} s` : ''} by ${new Date(expect.deadline).toISOString()}: ${last}`,
            ErrorType.ApiserverNotReady,
          );
        await sleep(POLL_MS);
      }
    },
  };
}
