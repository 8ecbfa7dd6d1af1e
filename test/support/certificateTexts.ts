/**
 * The unit certificate tests' openssl output (test/unit/domain/certificates/certificateFacts.test.ts,
 * certificateProblems.test.ts): Kubespray's member certificate of node1 and its CA, as openssl prints
 * them, and as parseX509Text reads them.
 */
import { parseX509Text } from '../../src/domain/certificates/certificates';

/** `openssl x509 -in member-node1.pem -noout -text -certopt no_pubkey,no_sigdump -fingerprint -sha256` (OpenSSL 3.0). */
export const MEMBER_TEXT = `Certificate:
    Data:
        Version: 3 (0x2)
        Serial Number: 305441741 (0x1234abcd)
        Signature Algorithm: sha256WithRSAEncryption
        Issuer: CN = etcd-ca
        Validity
            Not Before: Nov 26 10:19:22 2026 GMT
            Not After : Nov 26 10:19:22 2027 GMT
        Subject: CN = etcd-member-node1
        X509v3 extensions:
            X509v3 Extended Key Usage: 
                TLS Web Client Authentication, TLS Web Server Authentication
            X509v3 Basic Constraints: 
                CA:FALSE
            X509v3 Subject Key Identifier: 
                E1:53:C0:90:CE:79:D2:2F:B7:29:95:CE:C3:2C:4F:C8:9A:19:EB:BE
            X509v3 Authority Key Identifier: 
                E4:7D:4C:DF:88:4C:5A:E8:D6:DF:3C:B0:47:65:A9:F6:8E:02:72:96
            X509v3 Subject Alternative Name: 
                DNS:localhost, DNS:node1, DNS:*.etcd.example.com, IP Address:10.0.0.11, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1
sha256 Fingerprint=58:5D:74:A7:9B:FA:93:D1:0F:EA:36:F1:13:8E:FE:AD:8C:34:7D:30:D2:38:E2:A1:B1:AC:26:3A:08:D4:E8:12
`;

/** The same for Kubespray's CA (`openssl req -x509 -new -subj /CN=etcd-ca`), OpenSSL 1.1.1 spelling of the fingerprint. */
export const CA_TEXT = `Certificate:
    Data:
        Version: 3 (0x2)
        Serial Number:
            5e:0c:2a:33:10:8e:6b:46:4a:2f:6e:4b:39:aa:ee:05:73:4c:71:d1
        Signature Algorithm: sha256WithRSAEncryption
        Issuer: CN = etcd-ca
        Validity
            Not Before: Nov 26 10:19:22 2026 GMT
            Not After : Apr 13 10:19:22 2054 GMT
        Subject: CN = etcd-ca
        X509v3 extensions:
            X509v3 Subject Key Identifier: 
                E4:7D:4C:DF:88:4C:5A:E8:D6:DF:3C:B0:47:65:A9:F6:8E:02:72:96
            X509v3 Authority Key Identifier: 
                E4:7D:4C:DF:88:4C:5A:E8:D6:DF:3C:B0:47:65:A9:F6:8E:02:72:96
            X509v3 Basic Constraints: critical
                CA:TRUE
SHA256 Fingerprint=5E:C1:E3:29:DB:0D:39:86:2C:C9:64:5A:9D:1C:E2:18:AE:92:4C:87:40:A9:74:57:4E:34:DD:38:C8:30:8A:E1
`;

export const CA_FP =
  '5E:C1:E3:29:DB:0D:39:86:2C:C9:64:5A:9D:1C:E2:18:AE:92:4C:87:40:A9:74:57:4E:34:DD:38:C8:30:8A:E1';
export const PUB =
  '4f1e7c4a0a9b6a8e2d2c3f3b0f8f4d0e1e6b5a1a9c3d2e7f8a9b0c1d2e3f4a5b';

export function parsed(text: string) {
  const x = parseX509Text(text);
  if (!x) throw new Error('not parsed');
  return x;
}
export const member = parsed(MEMBER_TEXT);
export const ca = parsed(CA_TEXT);
