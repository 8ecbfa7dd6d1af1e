/**
 * Certificate issuing (strategy.certificates "issue") on real SSH test hosts (lab block 64,
 * test/support/certificateHosts.ts): the new member's certificates signed with the cluster CA's key on
 * the member that holds it, over SSH, and undone from the manifest of what was created.
 */
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { CertificateAuthorityRef } from '../../src/activities/node/certificates';
import { sh } from '../../src/activities/node/shell';
import type { SshTarget } from '../../src/activities/node/ssh';
import {
  type IssueSpec,
  issuedManifestFile,
  issueSpecFor,
  sanListForNewMember,
} from '../../src/domain/certificates/certificateIssue';
import type { CertificateExpectations } from '../../src/domain/certificates/certificates';
import type { TlsFileSet } from '../../src/domain/certificates/tlsFiles';
import {
  BLOCK,
  certs,
  DIR,
  emptyCertFolder,
  install,
  joining,
  MEMBER_IP,
  NODE_IP,
  on,
  problemsOn,
  useCertificateHosts,
} from '../support/certificateHosts';

/** A hostile node's openssl: its CSRs ask for CN=root, whatever config the worker sends. */
const HOSTILE_OPENSSL = `#!/bin/sh
if [ "$1" = req ] && [ "$2" = -new ]; then
  key=
  while [ $# -gt 0 ]; do [ "$1" = -key ] && key=$2; shift; done
  exec /usr/bin/openssl req -new -key "$key" -subj /CN=root
fi
exec /usr/bin/openssl "$@"
`;

describe('certificates on real SSH test hosts', function () {
  this.timeout(180_000);
  const hosts = useCertificateHosts();
  let nodeTarget: SshTarget;
  let memberTarget: SshTarget;
  let sets: TlsFileSet[];
  let futureEnv: Record<string, string>;
  let expect: CertificateExpectations;
  before(() => {
    ({ memberTarget, nodeTarget, sets, futureEnv, expect } = hosts());
  });

  const resetNode = () => emptyCertFolder(nodeTarget);
  const check = () => problemsOn(nodeTarget, sets, expect);

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
        host: 'etcd4',
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

    it("refuses a hostile node's CSR for CN=root: nothing signed, no certificate on the node, the undo removes the rest (issue 17)", async () => {
      await on(nodeTarget, 'rm -rf /etc/ssl/etcd');
      // The node's own openssl (first on its PATH) asks for CN=root whatever config the worker sends.
      await on(
        nodeTarget,
        sh`cat > /usr/local/bin/openssl && chmod 755 /usr/local/bin/openssl`,
        HOSTILE_OPENSSL,
      );
      try {
        assert.equal(
          (await on(nodeTarget, 'command -v openssl')).trim(),
          '/usr/local/bin/openssl',
        );
        await assert.rejects(
          certs.issueMemberCertificates(nodeTarget, ca, spec),
          (err: unknown) => {
            assert.ok(err instanceof ApplicationFailure, String(err));
            assert.equal(err.type, 'CertificateRefused');
            assert.equal(err.nonRetryable, true);
            assert.equal(
              err.message,
              `${NODE_IP}: ${DIR}/member-etcd4.pem: refused, not written: the node's CSR asks for subject "CN=root", not "CN=etcd-member-etcd4"`,
            );
            return true;
          },
        );
        const left = await ls();
        assert.deepEqual(
          left.filter((f) => /(member|admin)-etcd4\.pem$/.test(f)),
          [],
          'no certificate was written',
        );
        // What was created before the CSR (folders, the CA file, keys) is listed for the undo.
        await certs.removeIssuedCertificates(nodeTarget, manifest);
        assert.deepEqual(await ls(), []);
      } finally {
        await on(nodeTarget, 'rm -f /usr/local/bin/openssl');
        await certs.removeIssuedCertificates(nodeTarget, manifest);
      }
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
