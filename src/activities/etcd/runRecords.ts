/**
 * Which run did what, written in the cluster itself: etcd is the one place every entry (CLI, UI, API,
 * another worker) shares, so ownership recorded there holds whatever started the run. Two records:
 *  - the scale-out lock (`LOCK_KEY`): the run scaling the cluster out now;
 *  - an add intent per peer URL (`intentKey`): the run that is about to `member add` it, written before
 *    the add, so a retry can tell its own earlier add from a member someone else added.
 * Both hold a `RunRef` as JSON.
 */
import { Context } from '@temporalio/activity';

export interface RunRef {
  workflowId: string;
  runId: string;
}

export const LOCK_KEY = '/etcd-scaleout/lock';
export const INTENT_PREFIX = '/etcd-scaleout/intent/';
export const intentKey = (peerURL: string): string =>
  `${INTENT_PREFIX}${encodeURIComponent(peerURL)}`;

export const sameRun = (a: RunRef, b: RunRef): boolean =>
  a.workflowId === b.workflowId && a.runId === b.runId;
export const describeRun = (r: RunRef): string =>
  `workflow ${r.workflowId} (run ${r.runId})`;

/** A record's RunRef and the rest it carries, or undefined when the value is not one. */
export function parseRunRecord<T extends RunRef>(
  value: string | null | undefined,
): T | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value);
    return typeof v?.workflowId === 'string' && typeof v?.runId === 'string'
      ? (v as T)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The run an activity works for. */
export type CurrentRun = () => RunRef;

/** The activity's own run, from Temporal's activity context. */
export const activityRun: CurrentRun = () => {
  const run = Context.current().info.workflowExecution;
  if (!run)
    throw new Error('an activity that records its run must run for a workflow');
  return { workflowId: run.workflowId, runId: run.runId };
};
