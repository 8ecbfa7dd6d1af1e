/**
 * STUB ACTIVITIES: the only test doubles in the whole test suite.
 *
 * Why they exist: the workflow tests (this folder) drive the real `scaleOutEtcd` through branches the
 * real stack cannot reach in test time or on demand: an approval that times out after 24 h, a run with
 * `strategy.rollback: "none"`, an undo that fails for good. There the subject is the workflow's own
 * logic (order, rollback, messages), so its activities are replaced; everything else is real (the
 * Temporal test server, the SDK's worker, the workflow bundle). The integration tests use no doubles.
 *
 * The stubs are keyed by the activity names of `Activities` (src/activities), so the type checker
 * flags a renamed or re-typed activity. Each records its call as "<activity>" or "<activity> <member>"
 * (the new member it concerns) and answers as a healthy 3-member etcd cluster and fresh nodes would.
 * A fault makes one such call throw a non-retryable ApplicationFailure (so it happens once); a fault
 * keyed "<call>#<n>" hits only the n-th such call.
 */
import { ApplicationFailure } from '@temporalio/common';
import type {
  Activities,
  ClusterState,
  MemberStatus,
} from '../../src/activities';
import { ErrorType } from '../../src/domain/errors';
import {
  initialClusterString,
  orderedMembers,
} from '../../src/domain/planning';
import type { ScaleOutRequestInput } from '../../src/domain/request/request';
import { kubeadmStubs } from './stubKubeadm';

export interface Fault {
  type: string;
  message: string;
}

export interface Stubs {
  activities: Activities;
  /** Every call, in the order the worker received them. */
  calls: string[];
}

const ETCD_VERSION = '3.4.30';
const STUB_FINGERPRINT = Array.from({ length: 32 }, () => 'AB').join(':');

export function stubActivities(
  request: ScaleOutRequestInput,
  faults: Record<string, Fault> = {},
  /** Existing members (by name) that answer no status: a replacement's down path. */
  unhealthy: string[] = [],
): Stubs {
  const calls: string[] = [];
  // The cluster as etcd would list it: the existing members, then the new ones as they are added.
  const members: MemberStatus[] = request.cluster.endpoints.map(
    (clientURL, i) => ({
      id: String(1001 + i),
      name: `etcd${i + 1}`,
      peerURLs: [clientURL.replace(/:2379$/, ':2380')],
      clientURLs: [clientURL],
      isLearner: false,
      ...(unhealthy.includes(`etcd${i + 1}`)
        ? { healthy: false, error: 'context deadline exceeded' }
        : { healthy: true, leader: '1001', version: ETCD_VERSION }),
    }),
  );
  const memberOf = (key: string) =>
    request.newMembers.find((m) =>
      [m.name, m.host, m.peerURL, m.clientURL].includes(key),
    )?.name;
  const called = (activity: keyof Activities, about?: string) => {
    const member = about && memberOf(about);
    const call = member ? `${activity} ${member}` : activity;
    calls.push(call);
    // "<activity> @<host>" names one call of several made at once, whose order varies.
    const fault =
      faults[call] ??
      (about ? faults[`${activity} @${about}`] : undefined) ??
      faults[`${call}#${calls.filter((c) => c === call).length}`];
    if (fault)
      throw ApplicationFailure.create({ ...fault, nonRetryable: true });
  };
  /** A control-plane node's call: "<activity> <host>". */
  const calledOn = (activity: keyof Activities, host: string) => {
    calls.push(`${activity} ${host}`);
    const call = `${activity} ${host}`;
    const fault =
      faults[call] ??
      faults[`${call}#${calls.filter((c) => c === call).length}`];
    if (fault)
      throw ApplicationFailure.create({ ...fault, nonRetryable: true });
  };
  // Each control-plane node's --etcd-servers: the existing members' client URLs until it is told.
  const manifests = new Map<string, string[]>();
  const manifestOf = (host: string) =>
    manifests.get(host) ?? [...request.cluster.endpoints];
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

  const activities: Activities = {
    async inspectCluster() {
      called('inspectCluster');
      return state();
    },
    async inspectNode(target) {
      called('inspectNode', target.host);
      return {
        host: target.host,
        etcdVersion: ETCD_VERSION,
        etcdVersionOutput: `etcd Version: ${ETCD_VERSION}`,
        memberDir: null,
        envFileExists: true,
        serviceActive: false,
        portConflicts: [],
        machineId: null,
      };
    },
    async readEnvFile(target) {
      called('readEnvFile', target.host);
      const member = members.find((m) =>
        m.clientURLs.some((u) => new URL(u).hostname === target.host),
      );
      return {
        exists: true,
        text: member
          ? `ETCD_NAME=${member.name}\nETCD_METRICS=basic\n`
          : 'ETCD_METRICS=basic\n',
      };
    },
    async readCertificate(target, file) {
      called('readCertificate', target.host);
      return {
        subject: `CN=${file}`,
        issuer: 'CN=etcd-ca',
        notBefore: '2026-01-01T00:00:00.000Z',
        notAfter: '2036-01-01T00:00:00.000Z',
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1'],
        isCa: false,
        fingerprint: STUB_FINGERPRINT,
      };
    },
    async readMemberCa(target) {
      called('readMemberCa', target.host);
      return {
        fingerprint: STUB_FINGERPRINT,
        subject: 'CN=etcd-ca',
        notAfter: '2036-01-01T00:00:00.000Z',
      };
    },
    async checkMemberCertificates(target) {
      called('checkMemberCertificates', target.host);
      return { problems: [] };
    },
    async checkCertificateAuthority(ca) {
      called('checkCertificateAuthority', ca.target.host);
      return { problems: [] };
    },
    async checkCertificateIssue(target) {
      called('checkCertificateIssue', target.host);
      return { problems: [], wouldCreate: [], kept: [] };
    },
    async issueMemberCertificates(target) {
      called('issueMemberCertificates', target.host);
      return { problems: [], created: [], kept: [], issued: [] };
    },
    async removeIssuedCertificates(target) {
      called('removeIssuedCertificates', target.host);
      return { removed: [] };
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
    async writeEnvFile(target, envFile, _vars, backupSuffix) {
      called('writeEnvFile', target.host);
      return { backup: `${envFile}.${backupSuffix}.bak` };
    },
    async startService(target) {
      called('startService', target.host);
      return { alreadyActive: false };
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
    async stopService(target) {
      called('stopService', target.host);
      return { wasActive: true };
    },
    async quarantineDataDir(target, dataDir, stamp) {
      called('quarantineDataDir', target.host);
      return { movedTo: `${dataDir}/member.quarantined-${stamp}` };
    },
    async updateMemberEnvFile(target, envFile, _member, _ic, backupSuffix) {
      called('updateMemberEnvFile', target.host);
      return {
        state: 'updated',
        changed: ['ETCD_INITIAL_CLUSTER', 'ETCD_INITIAL_CLUSTER_STATE'],
        backup: `${envFile}.${backupSuffix}.bak`,
      };
    },
    async restoreEnvFile(target) {
      called('restoreEnvFile', target.host);
      return { restored: 'previous' };
    },
    async readMachineId(target) {
      called('readMachineId', target.host);
      return { host: target.host, machineId: null };
    },
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
    async readApiserverManifest(target) {
      calledOn('readApiserverManifest', target.host);
      return {
        text: `- --etcd-servers=${manifestOf(target.host).join(',')}\n`,
      };
    },
    async writeApiserverManifest(target, _manifest, change) {
      calledOn('writeApiserverManifest', target.host);
      const original = manifestOf(target.host);
      const next = [
        ...original,
        ...(change.add ?? []).filter((u) => !original.includes(u)),
      ].filter((u) => !(change.remove ?? []).includes(u));
      manifests.set(target.host, next);
      return {
        written: next.length !== original.length,
        original: [...request.cluster.endpoints],
        etcdServers: next,
        backup: '/etc/kubernetes/etcd-scaleout-backups/run/kube-apiserver.yaml',
      };
    },
    async restoreApiserverManifest(target) {
      calledOn('restoreApiserverManifest', target.host);
      manifests.set(target.host, [...request.cluster.endpoints]);
      return {
        restored: 'restored',
        etcdServers: [...request.cluster.endpoints],
      };
    },
    async waitForApiserver(target, _node, expect) {
      calledOn('waitForApiserver', target.host);
      return {
        pid: 4242,
        etcdServers: expect.etcdServers ?? manifestOf(target.host),
        waitedMs: 1500,
        polls: 3,
      };
    },
    ...kubeadmStubs(calledOn, request.cluster.endpoints),
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
