/**
 * Certificate checks on real SSH test hosts (lab block 64, test/support/certificateHosts.ts): a real
 * sshd per host in its own mount namespace (its /etc/ssl/etcd/ssl and /etc/etcd.env are the host's
 * own), real openssl on the worker and on the hosts. The activities are called directly: no Temporal,
 * no etcd needed.
 */
import assert from 'node:assert/strict';
import type { SshTarget } from '../../src/activities/node/ssh';
import {
  type CertificateExpectations,
  hostsToCover,
} from '../../src/domain/certificates/certificates';
import {
  type TlsFileSet,
  tlsFilesOf,
} from '../../src/domain/certificates/tlsFiles';
import { deriveMemberEnv } from '../../src/domain/kubespray/kubesprayEnv';
import {
  certs,
  DIR,
  emptyCertFolder,
  envs,
  install,
  joining,
  MEMBER_IP,
  makeCert,
  NODE_IP,
  openssl,
  problemsOn,
  useCertificateHosts,
} from '../support/certificateHosts';

describe('certificates on real SSH test hosts', function () {
  this.timeout(180_000);
  const hosts = useCertificateHosts();
  let nodeTarget: SshTarget;
  let memberTarget: SshTarget;
  let sets: TlsFileSet[];
  let expect: CertificateExpectations;
  before(() => {
    ({ memberTarget, nodeTarget } = hosts());
  });

  const resetNode = () => emptyCertFolder(nodeTarget);
  const check = () => problemsOn(nodeTarget, sets, expect);
  const goodNode = async () => {
    await resetNode();
    await install(nodeTarget, {
      'ca.pem': `${DIR}/ca.pem`,
      'good.pem': `${DIR}/member-etcd4.pem`,
      'good-key.pem': `${DIR}/member-etcd4-key.pem`,
    });
  };

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
});
