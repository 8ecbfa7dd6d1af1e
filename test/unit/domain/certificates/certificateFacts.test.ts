/** Certificate facts read from openssl's output: x509 text, dates, IPs, verify results, key hashes, stat; host matching. */
import assert from 'node:assert/strict';
import {
  certificateNames,
  hostsToCover,
  normalizeIp,
  parseOpensslDate,
  parsePublicKeyHash,
  parseStat,
  parseVerify,
  parseX509Text,
} from '../../../../src/domain/certificates/certificates';
import { CA_FP, ca, member, PUB } from '../../../support/certificateTexts';

describe('certificate facts from openssl output', () => {
  it('parses a Kubespray member certificate', () => {
    assert.deepEqual(member, {
      subject: 'CN = etcd-member-node1',
      issuer: 'CN = etcd-ca',
      notBefore: '2026-11-26T10:19:22.000Z',
      notAfter: '2027-11-26T10:19:22.000Z',
      dnsNames: ['localhost', 'node1', '*.etcd.example.com'],
      ipAddresses: ['10.0.0.11', '127.0.0.1', '0:0:0:0:0:0:0:1'],
      extendedKeyUsage: [
        'TLS Web Client Authentication',
        'TLS Web Server Authentication',
      ],
      isCa: false,
      fingerprint:
        '58:5D:74:A7:9B:FA:93:D1:0F:EA:36:F1:13:8E:FE:AD:8C:34:7D:30:D2:38:E2:A1:B1:AC:26:3A:08:D4:E8:12',
    });
  });

  it('parses a CA (no SANs, no key usage), with either spelling of the fingerprint', () => {
    assert.equal(ca.isCa, true);
    assert.deepEqual(
      [ca.dnsNames, ca.ipAddresses, ca.extendedKeyUsage],
      [[], [], undefined],
    );
    assert.equal(ca.fingerprint, CA_FP);
    assert.equal(ca.notAfter, '2054-04-13T10:19:22.000Z');
  });

  it('is undefined for what openssl says about a file that is not a certificate', () => {
    assert.equal(
      parseX509Text(
        'Could not read certificate from /etc/ssl/etcd/ssl/ca.pem\nUnable to load certificate\n',
      ),
      undefined,
    );
    assert.equal(parseX509Text(''), undefined);
  });

  it('reads dates, IPs, verify results, public key hashes and stat', () => {
    assert.equal(
      parseOpensslDate('Jan  5 01:02:03 2026 GMT'),
      '2026-01-05T01:02:03.000Z',
    );
    assert.equal(parseOpensslDate('Foo  5 01:02:03 2026 GMT'), undefined);
    assert.equal(normalizeIp('[::1]'), '0:0:0:0:0:0:0:1');
    assert.equal(normalizeIp('2001:DB8::0001'), '2001:db8:0:0:0:0:0:1');
    assert.equal(normalizeIp('10.0.0.14'), '10.0.0.14');
    assert.deepEqual(parseVerify('/etc/ssl/etcd/ssl/member-node1.pem: OK\n'), {
      ok: true,
    });
    assert.deepEqual(
      parseVerify(
        'CN = etcd-member-node1\nerror 20 at 0 depth lookup: unable to get local issuer certificate\nerror member.pem: verification failed\n',
      ),
      { ok: false, reason: 'unable to get local issuer certificate' },
    );
    assert.deepEqual(parseVerify('Unable to load certificate file\n'), {
      ok: false,
      reason: 'Unable to load certificate file',
    });
    assert.equal(parsePublicKeyHash(`${PUB}  -\n`), PUB);
    assert.equal(parsePublicKeyHash(''), undefined);
    assert.deepEqual(parseStat('600 etcd root\n'), {
      mode: 0o600,
      owner: 'etcd',
      group: 'root',
    });
    assert.deepEqual(
      parseStat(
        "stat: cannot statx '/etc/ssl/etcd/ssl/x.pem': No such file or directory\n",
      ),
      { missing: 'No such file or directory' },
    );
  });

  it('matches hosts: IPs against IP SANs, names against DNS SANs and one-label wildcards', () => {
    assert.ok(certificateNames(member, '10.0.0.11'));
    assert.ok(certificateNames(member, '[::1]'));
    assert.ok(!certificateNames(member, '10.0.0.14'));
    assert.ok(certificateNames(member, 'NODE1'));
    assert.ok(certificateNames(member, 'etcd4.etcd.example.com'));
    assert.ok(!certificateNames(member, 'a.b.etcd.example.com'));
    assert.ok(!certificateNames(member, 'etcd.example.com'));
    assert.ok(!certificateNames(member, 'localhost.localdomain'));
  });

  it('asks a new member certificate to name its URL hosts and listen IP', () => {
    assert.deepEqual(
      hostsToCover({
        peerURL: 'https://10.0.0.14:2380',
        clientURL: 'https://10.0.0.14:2379',
      }),
      ['10.0.0.14'],
    );
    assert.deepEqual(
      hostsToCover({
        peerURL: 'https://etcd4.example.com:2380',
        clientURL: 'https://etcd4.example.com:2379',
        listenAddress: '10.0.0.14',
      }),
      ['etcd4.example.com', '10.0.0.14'],
    );
  });
});
