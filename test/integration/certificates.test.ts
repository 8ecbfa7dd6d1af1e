/**
 * Certificate checks and issuing on real SSH test hosts (lab block 64): a real sshd per host in its
 * own mount namespace (its /etc/ssl/etcd/ssl and /etc/etcd.env are the host's own), real openssl on
 * the worker and on the hosts. The activities are called directly: no Temporal, no etcd needed.
 *
 * 127.0.64.11 plays Kubespray's first etcd host (a healthy member holding ca.pem and ca-key.pem),
 * 127.0.64.14 the new node.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TestHost } from '../../lab';
import { ensureLabKeys } from '../../lab/testHosts';
import {
  type CertificateAuthorityRef,
  createCertificateActivities,
} from '../../src/activities/node/certificates';
import { createEnvSourceActivities } from '../../src/activities/node/envSource';
import { sh } from '../../src/activities/node/shell';
import { createSshRunner, type SshTarget } from '../../src/activities/node/ssh';
import {
  type IssueSpec,
  issuedManifestFile,
  issueSpecFor,
  sanListForNewMember,
} from '../../src/domain/certificateIssue';
import {
  type CertificateExpectations,
  hostsToCover,
} from '../../src/domain/certificates';
import { deriveMemberEnv } from '../../src/domain/kubesprayEnv';
import { type TlsFileSet, tlsFilesOf } from '../../src/domain/tlsFiles';

const run = promisify(execFile);
const BLOCK = 64;
const DIR = '/etc/ssl/etcd/ssl';
const NODE_IP = `127.0.${BLOCK}.14`;
const MEMBER_IP = `127.0.${BLOCK}.11`;
const lab = join(tmpdir(), 'etcd-scaleout-lab', `block-${BLOCK}`);
const pki = join(lab, 'pki');

/** A certificate authority and certificates made on the worker with openssl, as an operator would. */
async function openssl(...args: string[]): Promise<string> {
  return (await run('openssl', args, { cwd: pki })).stdout;
}
async function makeCa(name: string): Promise<void> {
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
async function makeCert(
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
const local = (f: string) => readFileSync(join(pki, f), 'utf8');

describe('certificates on real SSH test hosts', function () {
  this.timeout(180_000);
  let node: TestHost;
  let member: TestHost;
  let nodeTarget: SshTarget;
  let memberTarget: SshTarget;
  const ssh = createSshRunner();
  const certs = createCertificateActivities({ ssh });
  const envs = createEnvSourceActivities({ ssh });
  const joining = {
    name: 'etcd4',
    peerURL: `https://${NODE_IP}:2380`,
    clientURL: `https://${NODE_IP}:2379`,
  };
  let sets: TlsFileSet[];
  let futureEnv: Record<string, string>;
  let expect: CertificateExpectations;

  /** Runs a command on a host as root, failing the test if it fails. */
  const on = async (target: SshTarget, command: string, input?: string) => {
    const r = await ssh.run(target, command, { input });
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    return r.stdout;
  };
  /** Puts the files (local name -> path on the host) on a host, keys with mode 0600. */
  const install = async (target: SshTarget, files: Record<string, string>) => {
    for (const [from, to] of Object.entries(files))
      await on(
        target,
        sh`mkdir -p ${DIR} && cat > ${to} && chmod ${to.endsWith('-key.pem') ? '600' : '640'} ${to}`,
        local(from),
      );
  };
  const resetNode = () =>
    on(nodeTarget, sh`rm -rf /etc/ssl/etcd && mkdir -p ${DIR}`);
  const check = async () =>
    (await certs.checkMemberCertificates(nodeTarget, sets, expect)).problems;
  const goodNode = async () => {
    await resetNode();
    await install(nodeTarget, {
      'ca.pem': `${DIR}/ca.pem`,
      'good.pem': `${DIR}/member-etcd4.pem`,
      'good-key.pem': `${DIR}/member-etcd4-key.pem`,
    });
  };

  before(async () => {
    rmSync(lab, { recursive: true, force: true });
    mkdirSync(pki, { recursive: true });
    const keys = await ensureLabKeys(join(lab, 'keys'));
    member = new TestHost({
      name: 'etcd1',
      address: MEMBER_IP,
      dir: lab,
      keys,
    });
    node = new TestHost({ name: 'etcd4', address: NODE_IP, dir: lab, keys });
    const target = (h: TestHost): SshTarget => ({
      host: h.address,
      port: h.sshPort,
      user: 'root',
      privateKeyFile: keys.privateKeyFile,
      knownHostsFile: keys.knownHostsFile,
    });
    memberTarget = target(member);
    nodeTarget = target(node);
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
  });
  after(async () => Promise.all([member?.stop(), node?.stop()]));

  it("derives the new member's TLS files from the member's env, read over SSH with secrets withheld", async () => {
    const read = await envs.readEnvFile(memberTarget, '/etc/etcd.env');
    assert.equal(read.exists, true);
    assert.ok(
      !read.text.includes('hunter2'),
      'a secret-looking value left the member',
    );
    const derived = deriveMemberEnv(
      read.text.replace(/^ETCD_UNUSED_PASSWORD=.*\n/m, ''),
      { name: 'etcd1', peerURLs: [`https://${MEMBER_IP}:2380`] },
      joining,
      `etcd1=https://${MEMBER_IP}:2380,etcd4=${joining.peerURL}`,
      '/var/lib/etcd',
    );
    futureEnv = derived.vars;
    const tls = tlsFilesOf(derived.vars);
    assert.deepEqual(tls.problems, []);
    sets = tls.sets;
    assert.deepEqual(
      [...new Set(sets.flatMap((s) => [s.caFile, s.certFile, s.keyFile]))],
      [
        `${DIR}/ca.pem`,
        `${DIR}/member-etcd4.pem`,
        `${DIR}/member-etcd4-key.pem`,
      ],
    );
    assert.deepEqual(await envs.readEnvFile(nodeTarget, '/etc/etcd.env'), {
      exists: false,
      text: '',
    });

    const ca = await certs.readMemberCa(memberTarget, `${DIR}/ca.pem`);
    const local = (
      await openssl(
        'x509',
        '-in',
        'ca.pem',
        '-noout',
        '-fingerprint',
        '-sha256',
      )
    )
      .split('=')[1]
      .trim();
    assert.equal(ca.fingerprint, local);
    assert.equal(ca.subject, 'CN = ca');
    expect = {
      caFingerprint: ca.fingerprint,
      caSource: `etcd1:${DIR}/ca.pem`,
      hosts: hostsToCover(joining),
      minValidityDays: 30,
    };
  });

  it('passes a good certificate, key and CA', async () => {
    await goodNode();
    assert.deepEqual(await check(), []);
  });

  it("names the file and the reason when the certificate lacks the node's IP", async () => {
    await goodNode();
    await makeCert('no-ip', {
      sans: `DNS:localhost, IP:${MEMBER_IP}, IP:127.0.0.1`,
    });
    await install(nodeTarget, {
      'no-ip.pem': `${DIR}/member-etcd4.pem`,
      'no-ip-key.pem': `${DIR}/member-etcd4-key.pem`,
    });
    assert.deepEqual(await check(), [
      `${NODE_IP}: ${DIR}/member-etcd4.pem (ETCD_CERT_FILE, ETCD_PEER_CERT_FILE): does not name ${NODE_IP} in its subjectAltName (it has DNS:localhost, IP:${MEMBER_IP}, IP:127.0.0.1)`,
    ]);
  });

  it('refuses an expired certificate and one valid for less than minCertValidityDays', async () => {
    await goodNode();
    await makeCert('expired', { sans: `IP:${NODE_IP}`, days: -1 });
    await install(nodeTarget, {
      'expired.pem': `${DIR}/member-etcd4.pem`,
      'expired-key.pem': `${DIR}/member-etcd4-key.pem`,
    });
    assert.match(
      (await check()).join('\n'),
      new RegExp(
        `^${NODE_IP}: ${DIR}/member-etcd4\\.pem \\(ETCD_CERT_FILE, ETCD_PEER_CERT_FILE\\): expired on \\d{4}-\\d{2}-\\d{2}$`,
      ),
    );
    await makeCert('short', { sans: `IP:${NODE_IP}`, days: 10 });
    await install(nodeTarget, {
      'short.pem': `${DIR}/member-etcd4.pem`,
      'short-key.pem': `${DIR}/member-etcd4-key.pem`,
    });
    assert.match(
      (await check()).join('\n'),
      /member-etcd4\.pem \(ETCD_CERT_FILE, ETCD_PEER_CERT_FILE\): expires on \S+, in 9 day\(s\): less than strategy\.minCertValidityDays \(30\)$/,
    );
  });

  it('refuses a key that does not match the certificate', async () => {
    await goodNode();
    await install(nodeTarget, {
      'no-ip-key.pem': `${DIR}/member-etcd4-key.pem`,
    });
    assert.deepEqual(await check(), [
      `${NODE_IP}: ${DIR}/member-etcd4-key.pem (ETCD_KEY_FILE, ETCD_PEER_KEY_FILE): does not match the certificate ${DIR}/member-etcd4.pem (their public keys differ)`,
    ]);
  });

  it('refuses another CA: a certificate it signed, and the CA file itself', async () => {
    await makeCert('foreign', { sans: `IP:${NODE_IP}`, ca: 'other-ca' });
    await goodNode();
    await install(nodeTarget, {
      'foreign.pem': `${DIR}/member-etcd4.pem`,
      'foreign-key.pem': `${DIR}/member-etcd4-key.pem`,
    });
    assert.deepEqual(await check(), [
      `${NODE_IP}: ${DIR}/member-etcd4.pem (ETCD_CERT_FILE, ETCD_PEER_CERT_FILE): does not chain to the CA in ${DIR}/ca.pem: unable to get local issuer certificate`,
    ]);
    await install(nodeTarget, { 'other-ca.pem': `${DIR}/ca.pem` });
    assert.match(
      (await check()).join('\n'),
      new RegExp(
        `^${NODE_IP}: ${DIR}/ca\\.pem \\(ETCD_TRUSTED_CA_FILE, ETCD_PEER_TRUSTED_CA_FILE\\): is not the cluster's CA: SHA-256 \\S+ \\(CN = other-ca\\), the cluster's \\(etcd1:${DIR}/ca\\.pem\\) is ${expect.caFingerprint}$`,
      ),
    );
  });

  it('names every missing file', async () => {
    await resetNode();
    assert.deepEqual(await check(), [
      `${NODE_IP}: ${DIR}/ca.pem (ETCD_TRUSTED_CA_FILE, ETCD_PEER_TRUSTED_CA_FILE): cannot be read: No such file or directory`,
      `${NODE_IP}: ${DIR}/member-etcd4.pem (ETCD_CERT_FILE, ETCD_PEER_CERT_FILE): cannot be read: No such file or directory`,
      `${NODE_IP}: ${DIR}/member-etcd4-key.pem (ETCD_KEY_FILE, ETCD_PEER_KEY_FILE): cannot be read: No such file or directory`,
    ]);
  });

  describe('issuing (strategy.certificates "issue")', () => {
    let ca: CertificateAuthorityRef;
    let spec: IssueSpec;
    const manifest = issuedManifestFile(
      '/etc/etcd.env',
      'etcd-scaleout-cert-test',
    );
    const ls = async () =>
      (
        await on(
          nodeTarget,
          sh`if [ -d /etc/ssl/etcd ]; then find /etc/ssl/etcd | sort; fi`,
        )
      )
        .split('\n')
        .filter(Boolean);

    before(async () => {
      ca = {
        target: memberTarget,
        certFile: `${DIR}/ca.pem`,
        keyFile: `${DIR}/ca-key.pem`,
      };
      const template = await certs.readCertificate(
        memberTarget,
        `${DIR}/member-etcd1.pem`,
      );
      spec = issueSpecFor({
        name: 'etcd4',
        vars: futureEnv,
        sets,
        certDir: DIR,
        sans: sanListForNewMember(template, joining),
        expect,
        manifestFile: manifest,
      });
      assert.deepEqual(spec.pairs, [
        {
          kind: 'member',
          certFile: `${DIR}/member-etcd4.pem`,
          keyFile: `${DIR}/member-etcd4-key.pem`,
        },
        {
          kind: 'admin',
          certFile: `${DIR}/admin-etcd4.pem`,
          keyFile: `${DIR}/admin-etcd4-key.pem`,
        },
      ]);
    });

    it('checks the CA host: the cluster CA and its key', async () => {
      assert.deepEqual(await certs.checkCertificateAuthority(ca, expect), {
        problems: [],
      });
      const missing = await certs.checkCertificateAuthority(
        { ...ca, keyFile: `${DIR}/no-such-key.pem` },
        expect,
      );
      assert.deepEqual(missing.problems, [
        `CA host ${MEMBER_IP}: ${DIR}/no-such-key.pem: cannot be read: No such file or directory`,
      ]);
    });

    it('issues on a fresh node a certificate that passes the check; a retry keeps it; the undo removes exactly what it created', async () => {
      await on(nodeTarget, 'rm -rf /etc/ssl/etcd');
      const files = [
        `${DIR}/ca.pem`,
        `${DIR}/member-etcd4-key.pem`,
        `${DIR}/admin-etcd4-key.pem`,
        `${DIR}/member-etcd4.pem`,
        `${DIR}/admin-etcd4.pem`,
      ];
      assert.deepEqual(
        await certs.checkCertificateIssue(nodeTarget, ca, spec),
        {
          problems: [],
          wouldCreate: ['/etc/ssl/etcd', DIR, ...files],
          kept: [],
        },
      );
      assert.deepEqual(await ls(), [], 'the check changed nothing');
      const first = await certs.issueMemberCertificates(nodeTarget, ca, spec);
      assert.deepEqual(first.problems, []);
      assert.deepEqual(first.created, ['/etc/ssl/etcd', DIR, ...files]);
      assert.deepEqual(
        first.issued.map((i) => i.file),
        [`${DIR}/member-etcd4.pem`, `${DIR}/admin-etcd4.pem`],
      );
      assert.deepEqual(await check(), []);
      // The key stayed on the node, 0600, owned like the CA host's folder; Kubespray's SANs plus the new host.
      assert.equal(
        (
          await on(
            nodeTarget,
            sh`stat -c '%a %U %G' ${DIR}/member-etcd4-key.pem ${DIR}/member-etcd4.pem ${DIR}`,
          )
        ).trim(),
        '600 etcd root\n640 etcd root\n700 etcd root',
      );
      const text = await on(
        nodeTarget,
        sh`openssl x509 -in ${DIR}/member-etcd4.pem -noout -subject -ext subjectAltName`,
      );
      assert.match(text, /subject=CN = etcd-member-etcd4/);
      for (const san of [
        'DNS:etcd1',
        `IP Address:${MEMBER_IP}`,
        `IP Address:127.0.${BLOCK}.13`,
        `IP Address:${NODE_IP}`,
        'IP Address:127.0.0.1',
      ])
        assert.ok(text.includes(san), `${san} in ${text}`);
      assert.match(
        await on(
          nodeTarget,
          sh`openssl x509 -in ${DIR}/admin-etcd4.pem -noout -subject`,
        ),
        /CN = etcd-admin-etcd4/,
      );

      const again = await certs.issueMemberCertificates(nodeTarget, ca, spec);
      assert.deepEqual(again, {
        problems: [],
        created: first.created,
        kept: [],
        issued: [],
      });
      assert.equal(
        (
          await on(
            nodeTarget,
            sh`openssl x509 -in ${DIR}/member-etcd4.pem -noout -fingerprint -sha256`,
          )
        )
          .split('=')[1]
          .trim(),
        first.issued[0].fingerprint,
      );

      const undo = await certs.removeIssuedCertificates(nodeTarget, manifest);
      assert.deepEqual(
        undo.removed,
        [...files].reverse().concat([DIR, '/etc/ssl/etcd']),
      );
      assert.deepEqual(await ls(), []);
      assert.equal(
        (await on(nodeTarget, sh`ls ${manifest} 2>&1 || true`)).includes(
          'No such file',
        ),
        true,
      );
      assert.deepEqual(
        await certs.removeIssuedCertificates(nodeTarget, manifest),
        { removed: [] },
      );
    });

    it("keeps an operator's key and other files: issues for that key, and the undo leaves them", async () => {
      await resetNode();
      await install(nodeTarget, {
        'good-key.pem': `${DIR}/member-etcd4-key.pem`,
        'etcd1.pem': `${DIR}/node-etcd4.pem`,
      });
      const r = await certs.issueMemberCertificates(nodeTarget, ca, spec);
      assert.deepEqual(r.problems, []);
      assert.deepEqual(r.created, [
        `${DIR}/ca.pem`,
        `${DIR}/admin-etcd4-key.pem`,
        `${DIR}/member-etcd4.pem`,
        `${DIR}/admin-etcd4.pem`,
      ]);
      assert.deepEqual(r.kept, [`${DIR}/member-etcd4-key.pem`]);
      assert.deepEqual(await check(), []);
      await certs.removeIssuedCertificates(nodeTarget, manifest);
      assert.deepEqual(await ls(), [
        '/etc/ssl/etcd',
        DIR,
        `${DIR}/member-etcd4-key.pem`,
        `${DIR}/node-etcd4.pem`,
      ]);
    });

    it('refuses, creating nothing, when an existing certificate it did not issue is unusable or the CA key is missing', async () => {
      await resetNode();
      await install(nodeTarget, {
        'no-ip.pem': `${DIR}/member-etcd4.pem`,
        'no-ip-key.pem': `${DIR}/member-etcd4-key.pem`,
      });
      const preflight = await certs.checkCertificateIssue(nodeTarget, ca, spec);
      const r = await certs.issueMemberCertificates(nodeTarget, ca, spec);
      assert.deepEqual(preflight.problems, r.problems);
      assert.deepEqual(r.created, []);
      assert.equal(r.problems.length, 1);
      assert.match(
        r.problems[0],
        new RegExp(
          `^${NODE_IP}: ${DIR}/member-etcd4\\.pem: exists but cannot be used \\(does not name ${NODE_IP} in its subjectAltName`,
        ),
      );
      assert.deepEqual(await ls(), [
        '/etc/ssl/etcd',
        DIR,
        `${DIR}/member-etcd4-key.pem`,
        `${DIR}/member-etcd4.pem`,
      ]);
      const noKey = await certs.issueMemberCertificates(
        nodeTarget,
        { ...ca, keyFile: `${DIR}/no-such-key.pem` },
        spec,
      );
      assert.deepEqual(noKey.problems, [
        `CA host ${MEMBER_IP}: ${DIR}/no-such-key.pem: cannot be read: No such file or directory`,
      ]);
      assert.equal(
        (await on(nodeTarget, sh`ls ${manifest} 2>&1 || true`)).includes(
          'No such file',
        ),
        true,
      );
    });
  });
});
