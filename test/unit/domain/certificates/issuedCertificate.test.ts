/**
 * What an issued certificate must be (issue 17): the node's CSR asks for exactly Kubespray's subject
 * for the node's key, and the CA host's certificate is exactly what was asked for. The fixture
 * (test/fixtures/issued-certificates.json, public material only) was made with openssl 3.0:
 *   two CAs both named CN=etcd-ca; keys a and b (public halves only);
 *   `openssl req -new -key a -subj /CN=etcd-member-etcd4` (csrMember), `/CN=root` (csrRoot),
 *   `/O=system:masters/CN=etcd-member-etcd4` (csrTwoAttributes), key b (csrKeyB);
 *   `openssl x509 -req -CA ca.pem -extensions s` with basicConstraints, extendedKeyUsage and
 *   subjectAltName "DNS:localhost, DNS:etcd1, IP:127.0.0.1, IP:10.0.0.14, IP:::1" (good), and the
 *   one thing changed in each other certificate.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  issuedCommonName,
  issuedSubject,
  requestConfig,
} from '../../../../src/domain/certificates/certificateIssue';
import {
  csrProblems,
  parseCsr,
  pemBlocks,
  signedCertificateProblems,
} from '../../../../src/domain/certificates/issuedCertificate';
import { FIXTURES } from '../../../support/paths';

const fx: Record<string, string> = JSON.parse(
  readFileSync(join(FIXTURES, 'issued-certificates.json'), 'utf8'),
);
const SUBJECT = 'CN=etcd-member-etcd4';
const SANS = {
  dns: ['localhost', 'etcd1'],
  ips: ['127.0.0.1', '10.0.0.14', '0:0:0:0:0:0:0:1'],
};
const signed = (pem: string, over: Partial<{ csrPem: string }> = {}) =>
  signedCertificateProblems(pem, {
    subject: SUBJECT,
    sans: SANS,
    csrPem: fx.csrMember,
    caPem: fx.ca,
    ...over,
  });

describe("issued certificates: the subject is the worker's, the result is checked", () => {
  it("names the subject in one place: Kubespray's CN, in the CSR config too", () => {
    assert.equal(issuedCommonName('member', 'etcd4'), 'etcd-member-etcd4');
    assert.equal(issuedSubject('admin', 'etcd4'), 'CN=etcd-admin-etcd4');
    assert.deepEqual(
      requestConfig('member', 'etcd4').at(-1),
      'CN = etcd-member-etcd4',
    );
    assert.throws(
      () => issuedSubject('member', 'root/CN=x'),
      /not a member name/,
    );
  });

  it("reads a CSR's subject and key", () => {
    assert.equal(parseCsr(fx.csrMember).subject, SUBJECT);
    assert.equal(parseCsr(fx.csrRoot).subject, 'CN=root');
    assert.equal(
      parseCsr(fx.csrTwoAttributes).subject,
      'O=system:masters\nCN=etcd-member-etcd4',
    );
    assert.throws(() => parseCsr(fx.good), /not a PEM certificate request/);
  });

  it('finds the PEM blocks of a label in what a node printed', () => {
    const out = `noise\n${fx.csrMember}${fx.keyA}trailing`;
    assert.deepEqual(pemBlocks(out, 'CERTIFICATE REQUEST'), [fx.csrMember]);
    assert.deepEqual(pemBlocks(out, 'PUBLIC KEY'), [fx.keyA]);
    assert.deepEqual(pemBlocks('nothing', 'PUBLIC KEY'), []);
  });

  it("signs only a CSR that asks for exactly the worker's subject, for the node's key", () => {
    assert.deepEqual(
      csrProblems(fx.csrMember, { subject: SUBJECT, nodeKeyPem: fx.keyA }),
      [],
    );
    assert.deepEqual(
      csrProblems(fx.csrRoot, { subject: SUBJECT, nodeKeyPem: fx.keyA }),
      [`the node's CSR asks for subject "CN=root", not "${SUBJECT}"`],
    );
    assert.deepEqual(
      csrProblems(fx.csrTwoAttributes, {
        subject: SUBJECT,
        nodeKeyPem: fx.keyA,
      }),
      [
        `the node's CSR asks for subject "O=system:masters, CN=etcd-member-etcd4", not "${SUBJECT}"`,
      ],
    );
    assert.deepEqual(
      csrProblems(fx.csrKeyB, { subject: SUBJECT, nodeKeyPem: fx.keyA }),
      ["the node's CSR is not for the node's key"],
    );
    assert.match(
      csrProblems('garbage', { subject: SUBJECT, nodeKeyPem: fx.keyA })[0],
      /the node's CSR cannot be read/,
    );
  });

  it('writes only a certificate that is exactly what was asked for', () => {
    assert.deepEqual(signed(fx.good), []);
    const only = (pem: string, over = {}) => {
      const p = signed(pem, over);
      assert.equal(p.length, 1, JSON.stringify(p));
      return p[0];
    };
    assert.match(
      only(fx.subjectRoot, { csrPem: fx.csrRoot }),
      /^its subject is "CN=root", not "CN=etcd-member-etcd4"$/,
    );
    assert.match(
      only(fx.extraSan),
      /^its subjectAltName is ".*DNS:evil\.example.*", not the planned/,
    );
    assert.match(
      only(fx.fewerSans),
      /^its subjectAltName is "DNS:localhost, IP Address:127\.0\.0\.1", not the planned/,
    );
    assert.equal(only(fx.otherKey), "its public key is not the CSR's");
    assert.equal(only(fx.caTrue), 'it is a CA certificate (CA:TRUE)');
    assert.equal(
      only(fx.clientOnly),
      'it is not for both client and server authentication',
    );
    assert.equal(
      only(fx.otherCaSigned),
      "it is not issued by the cluster's CA",
    );
    assert.match(signed('not a certificate')[0], /cannot be read/);
  });
});
