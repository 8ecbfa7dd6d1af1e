import assert from 'node:assert/strict';
import {
  type ProbeItem,
  parseProbe,
  probeCommand,
} from '../../../../src/activities/node/certificateProbe';

const ITEMS: ProbeItem[] = [
  { path: '/etc/ssl/etcd/ssl/ca.pem', kind: 'certificate' },
  {
    path: '/etc/ssl/etcd/ssl/member-etcd4.pem',
    kind: 'certificate',
    verifyWith: { caFile: '/etc/ssl/etcd/ssl/ca.pem' },
  },
  { path: "/etc/ssl/etcd/ssl/member-etcd4-key.pem'; reboot; '", kind: 'key' },
];

/** What the probe printed on a node where the CA is missing and the member pair is good (OpenSSL 3.0). */
const OUTPUT = `--- file-a-stat
stat: cannot statx '/etc/ssl/etcd/ssl/ca.pem': No such file or directory
--- file-a-cert
Could not open file or uri for loading certificate from /etc/ssl/etcd/ssl/ca.pem
Unable to load certificate
--- file-a-pub
--- file-b-stat
640 etcd root
--- file-b-cert
Certificate:
    Data:
        Issuer: CN = etcd-ca
        Validity
            Not Before: Nov 26 10:19:22 2026 GMT
            Not After : Nov 26 10:19:22 2027 GMT
        Subject: CN = etcd-member-etcd4
        X509v3 extensions:
            X509v3 Subject Alternative Name: 
                DNS:localhost, IP Address:10.0.0.14
sha256 Fingerprint=58:5D:74:A7:9B:FA:93:D1:0F:EA:36:F1:13:8E:FE:AD:8C:34:7D:30:D2:38:E2:A1:B1:AC:26:3A:08:D4:E8:12
--- file-b-pub
${'1'.repeat(64)}  -
--- file-b-verify
Unable to load certificate file
--- file-c-stat
600 etcd root
--- file-c-pub
${'1'.repeat(64)}  -
`;

describe('certificate probe', () => {
  it('quotes every path and asks openssl only for public material', () => {
    const cmd = probeCommand(ITEMS);
    assert.ok(
      cmd.includes(
        `-in '/etc/ssl/etcd/ssl/member-etcd4-key.pem'\\''; reboot; '\\''' -pubout -passin pass:`,
      ),
      cmd,
    );
    assert.ok(
      cmd.includes(
        `openssl verify -no_check_time -CAfile '/etc/ssl/etcd/ssl/ca.pem' '/etc/ssl/etcd/ssl/member-etcd4.pem'`,
      ),
    );
    assert.ok(!/cat[^|]*key/.test(cmd), 'a key is never printed');
    assert.ok(!cmd.includes('stdin_ca'), 'no CA on stdin unless asked');
    assert.match(
      probeCommand([
        { path: '/c.pem', kind: 'certificate', verifyWith: 'stdin' },
      ]),
      /^stdin_ca=\$\(mktemp\) && trap .* && cat > "\$stdin_ca" && \{ .*-CAfile "\$stdin_ca" '\/c\.pem'/,
    );
  });

  it('reads each file from its sections', () => {
    const { probes } = parseProbe(ITEMS, OUTPUT);
    assert.deepEqual(probes['/etc/ssl/etcd/ssl/ca.pem'], {
      path: '/etc/ssl/etcd/ssl/ca.pem',
      stat: { missing: 'No such file or directory' },
    });
    const cert = probes['/etc/ssl/etcd/ssl/member-etcd4.pem'];
    assert.equal(cert.x509?.subject, 'CN = etcd-member-etcd4');
    assert.deepEqual(cert.x509?.ipAddresses, ['10.0.0.14']);
    assert.equal(cert.publicKeyHash, '1'.repeat(64));
    assert.deepEqual(cert.verify, {
      ok: false,
      reason: 'Unable to load certificate file',
    });
    assert.deepEqual(probes[ITEMS[2].path], {
      path: ITEMS[2].path,
      stat: { mode: 0o600, owner: 'etcd', group: 'root' },
      publicKeyHash: '1'.repeat(64),
    });
  });
});
