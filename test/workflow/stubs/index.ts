/**
 * STUB ACTIVITIES: the only test doubles in the whole test suite, assembled here and nowhere else.
 *
 * Why they exist: the workflow tests (test/workflow) drive the real `scaleOutEtcd` through branches the
 * real stack cannot reach in test time or on demand: an approval that times out after 24 h, a run with
 * `strategy.rollback: "none"`, an undo that fails for good. There the subject is the workflow's own
 * logic (order, rollback, messages), so its activities are replaced; everything else is real (the
 * Temporal test server, the SDK's worker, the workflow bundle). The integration tests use no doubles.
 *
 * The stubs are keyed by the activity names of `Activities` (src/activities), so the type checker
 * flags a renamed or re-typed activity. Each records its call (calls.ts) and answers as a healthy
 * 3-member etcd cluster (cluster.ts), fresh nodes (nodes.ts) and a kubeadm-built control plane
 * (apiserver.ts, kubeadm.ts) would. A fault makes one such call throw a non-retryable
 * ApplicationFailure (so it happens once); a fault keyed "<call>#<n>" hits only the n-th such call.
 */
import type { Activities } from '../../../src/activities';
import type { ScaleOutRequestInput } from '../../../src/domain/request/request';
import { apiserverStubs } from './apiserver';
import { type Fault, recordCalls } from './calls';
import { clusterStubs, stubMembers } from './cluster';
import { kubeadmStubs } from './kubeadm';
import { nodeStubs } from './nodes';

export type { Fault } from './calls';

export interface Stubs {
  activities: Activities;
  /** Every call, in the order the worker received them. */
  calls: string[];
}

export function stubActivities(
  request: ScaleOutRequestInput,
  faults: Record<string, Fault> = {},
  /** Existing members (by name) that answer no status: a replacement's down path. */
  unhealthy: string[] = [],
): Stubs {
  const { calls, called, calledOn } = recordCalls(request, faults);
  // The cluster as etcd would list it: the existing members, then the new ones as they are added.
  const members = stubMembers(request, unhealthy);
  const activities: Activities = {
    ...clusterStubs(called, request, members),
    ...nodeStubs(called, members),
    ...apiserverStubs(calledOn, request.cluster.endpoints),
    ...kubeadmStubs(calledOn, request.cluster.endpoints),
    async readScaleOutLock() {
      called('readScaleOutLock');
      return {};
    },
    async acquireScaleOutLock() {
      called('acquireScaleOutLock');
      return {};
    },
    async releaseScaleOutLock() {
      called('releaseScaleOutLock');
      return { released: true };
    },
    async notifyWebhook() {
      called('notifyWebhook');
      return { status: 200 };
    },
    // No profile, and a worker that allows inline settings: the stubs' requests are whole.
    async loadClusterProfile(cluster) {
      called('loadClusterProfile');
      return {
        cluster,
        file: `/stub/profiles/${cluster}.json`,
        inlineSettings: 'allow',
      };
    },
  };
  return { activities, calls };
}
