/**
 * The stub activities that speak to etcd's cluster API (see ./index.ts): they answer from one list of
 * members, a healthy 3-member cluster's to begin with, that the adds, promotions and removals change
 * as etcd would.
 */
import { ApplicationFailure } from '@temporalio/common';
import type {
  Activities,
  ClusterState,
  MemberStatus,
} from '../../../src/activities';
import { ErrorType } from '../../../src/domain/errors';
import {
  initialClusterString,
  orderedMembers,
} from '../../../src/domain/planning';
import type { ScaleOutRequestInput } from '../../../src/domain/request/request';
import type { Called } from './calls';

export const ETCD_VERSION = '3.4.30';

/** The cluster as etcd would list it: the existing members (those named `unhealthy` answer no status). */
export function stubMembers(
  request: ScaleOutRequestInput,
  unhealthy: string[],
): MemberStatus[] {
  return request.cluster.endpoints.map((clientURL, i) => ({
    id: String(1001 + i),
    name: `etcd${i + 1}`,
    peerURLs: [clientURL.replace(/:2379$/, ':2380')],
    clientURLs: [clientURL],
    isLearner: false,
    ...(unhealthy.includes(`etcd${i + 1}`)
      ? { healthy: false, error: 'context deadline exceeded' }
      : { healthy: true, leader: '1001', version: ETCD_VERSION }),
  }));
}

/** The cluster's stubs over `members`, which they change in place (the new members are appended). */
export function clusterStubs(
  called: Called,
  request: ScaleOutRequestInput,
  members: MemberStatus[],
) {
  const byPeer = (peerURL: string) =>
    members.find((m) => m.peerURLs.includes(peerURL));
  /** The learner made a voter, named and serving, as etcd's promotion and its start leave it. */
  const promote = (peerURL: string) => {
    const m = byPeer(peerURL)!;
    const alreadyVoter = !m.isLearner;
    const newMember = request.newMembers.find((n) => n.peerURL === peerURL)!;
    Object.assign(m, {
      name: newMember.name,
      clientURLs: [newMember.clientURL],
      isLearner: false,
      leader: '1001',
      version: ETCD_VERSION,
    });
    return { id: m.id, alreadyVoter, refusals: 0 };
  };
  const state = (): ClusterState => ({
    clusterId: '7001',
    leaderId: '1001',
    version: ETCD_VERSION,
    members: structuredClone(members),
    alarms: [],
  });
  return {
    async inspectCluster() {
      called('inspectCluster');
      return state();
    },
    async takeSnapshot(_cluster, dir, fileStem) {
      called('takeSnapshot');
      return {
        path: `${dir}/${fileStem}.db`,
        sizeBytes: 20_480,
        revision: '42',
        sha256: '0'.repeat(64),
        member: 'etcd2',
        takenAt: new Date().toISOString(),
        verified: 'sha256-trailer',
      };
    },
    async addLearner(cluster, member, knownNames) {
      called('addLearner', member.name);
      const alreadyPresent = !!byPeer(member.peerURL);
      if (!alreadyPresent) {
        members.push({
          id: String(1001 + members.length),
          name: '',
          peerURLs: [member.peerURL],
          clientURLs: [],
          isLearner: true,
          healthy: true,
        });
      }
      return {
        id: byPeer(member.peerURL)!.id,
        initialCluster: initialClusterString(
          orderedMembers(cluster.endpoints, members, [
            ...Object.keys(knownNames),
            member.peerURL,
          ]),
          member,
          knownNames,
        ),
        alreadyPresent,
        idCollisions: 0,
      };
    },
    // As the real one: the catch-up ends with etcd accepting the promotion.
    async waitForCatchUp(_cluster, member) {
      called('waitForCatchUp', member.name);
      return { ...promote(member.peerURL), promoted: true, polls: 1 };
    },
    // Runs of the older code only (replayed histories): the promotion was its own step.
    async promoteMember(_cluster, member) {
      called('promoteMember', member.name);
      const { id, alreadyVoter, refusals } = promote(member.peerURL);
      return { id, alreadyVoter, refusals };
    },
    async verifyCluster(_cluster, expect) {
      called('verifyCluster', expect.through);
      if (members.length !== expect.voters)
        throw ApplicationFailure.nonRetryable(
          `${members.length} members, expected ${expect.voters}`,
          ErrorType.VerifyFailed,
        );
      return { members: state().members, leaderId: '1001' };
    },
    async removeMember(_cluster, peerURL) {
      called('removeMember', peerURL);
      const m = byPeer(peerURL);
      if (!m) return { removed: false };
      members.splice(members.indexOf(m), 1);
      return { removed: true, id: m.id };
    },
    async moveLeaderAway(_cluster, memberId) {
      called('moveLeaderAway', memberId);
      return { moved: false };
    },
    async removeMemberById(_cluster, planned) {
      called('removeMemberById', planned.id);
      const m = members.find((x) => x.id === planned.id);
      if (!m) return { removed: false };
      members.splice(members.indexOf(m), 1);
      return { removed: true };
    },
  } satisfies Partial<Activities>;
}
