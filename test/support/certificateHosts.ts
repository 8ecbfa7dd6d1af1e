/**
 * The certificate tests' shared set-up (test/integration/certificates-*.test.ts), on real SSH test
 * hosts of lab block 64: a certificate authority and certificates made on the worker with openssl,
 * 127.0.64.11 as Kubespray's first etcd host (a healthy member holding ca.pem and ca-key.pem) and
 * 127.0.64.14 as the new node, started once for the files that use them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LABS_ROOT, removeLabDir, TestHost } from '../../lab';
import { ensureLabKeys } from '../../lab/testHosts';
import { createCertificateActivities } from '../../src/activities/node/certificates';
import { createEnvSourceActivities } from '../../src/activities/node/envSource';
import { sh } from '../../src/activities/node/shell';
import { createSshRunner, type SshTarget } from '../../src/activities/node/ssh';
import {
  type CertificateExpectations,
  hostsToCover,
} from '../../src/domain/certificates/certificates';
import {
  type TlsFileSet,
  tlsFilesOf,
} from '../../src/domain/certificates/tlsFiles';
import { deriveMemberEnv } from '../../src/domain/kubespray/kubesprayEnv';
import { sharedFixture } from './shared';

export const run = promisify(execFile);
export const BLOCK = 64;
export const DIR = '/etc/ssl/etcd/ssl';
export const NODE_IP = `127.0.${BLOCK}.14`;
export const MEMBER_IP = `127.0.${BLOCK}.11`;
export const lab = join(LABS_ROOT, `block-${BLOCK}`);
export const pki = join(lab, 'pki');

/** A certificate authority and certificates made on the worker with openssl, as an operator would. */
export async function openssl(...args: string[]): Promise<string> {
  return (await run('openssl', args, { cwd: pki })).stdout;
}
export async function makeCa(name: string): Promise<void> {
  await openssl('genrsa', '-out', `${name}-key.pem`, '2048');
  await openssl(
    'req',
    '-x509',
    '-new',
    '-nodes',
    '-key',
    `${name}-key.pem`,
    '-days',
    '3650',
    '-out',
    `${name}.pem`,
    '-subj',
    `/CN=${name}`,
  );
}
/** A member certificate `<file>.pem` (key `<file>-key.pem`, new unless `key` names one) signed by `ca`. */
export async function makeCert(
  file: string,
  o: { sans: string; ca?: string; days?: number; key?: string },
): Promise<void> {
  const key = o.key ?? `${file}-key.pem`;
  if (!o.key) await openssl('genrsa', '-out', key, '2048');
  await openssl(
    'req',
    '-new',
    '-key',
    key,
    '-out',
    `${file}.csr`,
    '-subj',
    `/CN=etcd-member-${file}`,
  );
  const ext = join(pki, `${file}.ext`);
  writeFileSync(
    ext,
    [
      '[ssl_client]',
      'extendedKeyUsage = clientAuth, serverAuth',
      'basicConstraints = CA:FALSE',
      `subjectAltName = ${o.sans}`,
      '',
    ].join('\n'),
  );
  const ca = o.ca ?? 'ca';
  await openssl(
    'x509',
    '-req',
    '-in',
    `${file}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}-key.pem`,
    '-set_serial',
    String(Date.now()),
    '-days',
    String(o.days ?? 365),
    '-extfile',
    ext,
    '-extensions',
    'ssl_client',
    '-out',
    `${file}.pem`,
  );
}
export const local = (f: string) => readFileSync(join(pki, f), 'utf8');

export const ssh = createSshRunner();
export const certs = createCertificateActivities({ ssh });
export const envs = createEnvSourceActivities({ ssh });
export const joining = {
  name: 'etcd4',
  peerURL: `https://${NODE_IP}:2380`,
  clientURL: `https://${NODE_IP}:2379`,
};

/** Runs a command on a host as root, failing the test if it fails. */
export const on = async (
  target: SshTarget,
  command: string,
  input?: string,
) => {
  const r = await ssh.run(target, command, { input });
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout;
};
/** Puts the files (local name -> path on the host) on a host, keys with mode 0600. */
export const install = async (
  target: SshTarget,
  files: Record<string, string>,
) => {
  for (const [from, to] of Object.entries(files))
    await on(
      target,
      sh`mkdir -p ${DIR} && cat > ${to} && chmod ${to.endsWith('-key.pem') ? '600' : '640'} ${to}`,
      local(from),
    );
};

export interface CertificateHosts {
  member: TestHost;
  node: TestHost;
  memberTarget: SshTarget;
  nodeTarget: SshTarget;
  /** The new member's TLS files, env and expectations, derived from the member's env as a run does. */
  sets: TlsFileSet[];
  futureEnv: Record<string, string>;
  expect: CertificateExpectations;
}

/** The two hosts, the CA and the certificates; call it inside each describe that uses them. */
export const useCertificateHosts = sharedFixture<CertificateHosts>(
  async () => {
    rmSync(lab, { recursive: true, force: true });
    mkdirSync(pki, { recursive: true });
    const keys = await ensureLabKeys(join(lab, 'keys'));
    const member = new TestHost({
      name: 'etcd1',
      address: MEMBER_IP,
      dir: lab,
      keys,
    });
    const node = new TestHost({
      name: 'etcd4',
      address: NODE_IP,
      dir: lab,
      keys,
    });
    const target = (h: TestHost): SshTarget => ({
      host: h.address,
      port: h.sshPort,
      user: 'root',
      privateKeyFile: keys.privateKeyFile,
      knownHostsFile: keys.knownHostsFile,
    });
    const memberTarget = target(member);
    const nodeTarget = target(node);
    try {
      await Promise.all([
        member.start(),
        node.start(),
        makeCa('ca').then(() => makeCa('other-ca')),
      ]);
      await makeCert('etcd1', {
        sans: `DNS:localhost, DNS:etcd1, IP:${MEMBER_IP}, IP:127.0.${BLOCK}.12, IP:127.0.${BLOCK}.13, IP:127.0.0.1`,
      });
      await makeCert('good', {
        sans: `DNS:localhost, IP:${MEMBER_IP}, IP:${NODE_IP}, IP:127.0.0.1`,
      });
      // Kubespray's first etcd host: the CA with its key, its member certificate, its env file.
      await install(memberTarget, {
        'ca.pem': `${DIR}/ca.pem`,
        'ca-key.pem': `${DIR}/ca-key.pem`,
        'etcd1.pem': `${DIR}/member-etcd1.pem`,
        'etcd1-key.pem': `${DIR}/member-etcd1-key.pem`,
      });
      await on(memberTarget, sh`chown -R etcd:root ${DIR} && chmod 700 ${DIR}`);
      const env = [
        'ETCD_DATA_DIR=/var/lib/etcd',
        `ETCD_ADVERTISE_CLIENT_URLS=https://${MEMBER_IP}:2379`,
        `ETCD_INITIAL_ADVERTISE_PEER_URLS=https://${MEMBER_IP}:2380`,
        `ETCD_LISTEN_CLIENT_URLS=https://${MEMBER_IP}:2379,https://127.0.0.1:2379`,
        `ETCD_LISTEN_PEER_URLS=https://${MEMBER_IP}:2380`,
        'ETCD_NAME=etcd1',
        `ETCD_TRUSTED_CA_FILE=${DIR}/ca.pem`,
        `ETCD_CERT_FILE=${DIR}/member-etcd1.pem`,
        `ETCD_KEY_FILE=${DIR}/member-etcd1-key.pem`,
        'ETCD_CLIENT_CERT_AUTH=true',
        `ETCD_PEER_TRUSTED_CA_FILE=${DIR}/ca.pem`,
        `ETCD_PEER_CERT_FILE=${DIR}/member-etcd1.pem`,
        `ETCD_PEER_KEY_FILE=${DIR}/member-etcd1-key.pem`,
        'ETCD_PEER_CLIENT_CERT_AUTH=True',
        'ETCD_UNUSED_PASSWORD=hunter2',
        '',
      ].join('\n');
      await on(memberTarget, 'cat > /etc/etcd.env', env);
      // A certificate that lacks the node's IP, for the tests that install it.
      await makeCert('no-ip', {
        sans: `DNS:localhost, IP:${MEMBER_IP}, IP:127.0.0.1`,
      });
      const read = await envs.readEnvFile(memberTarget, '/etc/etcd.env');
      const derived = deriveMemberEnv(
        read.text.replace(/^ETCD_UNUSED_PASSWORD=.*\n/m, ''),
        { name: 'etcd1', peerURLs: [`https://${MEMBER_IP}:2380`] },
        joining,
        `etcd1=https://${MEMBER_IP}:2380,etcd4=${joining.peerURL}`,
        '/var/lib/etcd',
      );
      const ca = await certs.readMemberCa(memberTarget, `${DIR}/ca.pem`);
      return {
        member,
        node,
        memberTarget,
        nodeTarget,
        sets: tlsFilesOf(derived.vars).sets,
        futureEnv: derived.vars,
        expect: {
          caFingerprint: ca.fingerprint,
          caSource: `etcd1:${DIR}/ca.pem`,
          hosts: hostsToCover(joining),
          minValidityDays: 30,
        },
      };
    } catch (err) {
      await Promise.all([member.stop(), node.stop()]);
      throw err;
    }
  },
  async ({ member, node }) => {
    await Promise.all([member.stop(), node.stop()]);
    removeLabDir(lab);
  },
  180_000,
);

/** Empties the node's certificate folder. */
export const emptyCertFolder = (nodeTarget: SshTarget) =>
  on(nodeTarget, sh`rm -rf /etc/ssl/etcd && mkdir -p ${DIR}`);

/** The problems the member certificate check finds on the node. */
export const problemsOn = async (
  nodeTarget: SshTarget,
  sets: TlsFileSet[],
  expect: CertificateExpectations,
) => (await certs.checkMemberCertificates(nodeTarget, sets, expect)).problems;
