/**
 * The stub activities that act on a node over SSH (see ./index.ts): they answer as fresh nodes with
 * etcd installed and not started, certificates in place, and the existing members' env files naming
 * them.
 */
import type { Activities, MemberStatus } from '../../../src/activities';
import type { Called } from './calls';
import { ETCD_VERSION } from './cluster';

const STUB_FINGERPRINT = Array.from({ length: 32 }, () => 'AB').join(':');

/** The nodes' stubs; `members` (as the cluster's stubs keep them) name the existing members' env files. */
export function nodeStubs(called: Called, members: MemberStatus[]) {
  return {
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
    async writeEnvFile(target, envFile, _vars, backupSuffix) {
      called('writeEnvFile', target.host);
      return { backup: `${envFile}.${backupSuffix}.bak` };
    },
    async startService(target) {
      called('startService', target.host);
      return { alreadyActive: false };
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
  } satisfies Partial<Activities>;
}
