/**
 * A failed connection in words: the socket and TLS errors Node (OpenSSL) and the worker's core
 * (rustls) give, told as what happened and which setting to change; and the paste-able `temporal`
 * command with the same connection.
 */
import assert from 'node:assert/strict';
import { ApiKey, type TemporalSettings } from '../../../src/temporal';
import { temporalCommand } from '../../../src/temporal/cliCommand';
import { diagnose } from '../../../src/temporal/diagnosis';

const MTLS: TemporalSettings = {
  address: '127.0.0.1:7800',
  namespace: 'default',
  tls: {
    clientCertPath: '/etc/etcd-scaleout/temporal/client.pem',
    clientKeyPath: '/etc/etcd-scaleout/temporal/client-key.pem',
    serverCaCertPath: '/etc/etcd-scaleout/temporal/ca.pem',
    serverName: 'temporal',
  },
  grpcMeta: {},
  sources: {
    address: 'TEMPORAL_ADDRESS',
    clientCertPath: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    clientKeyPath: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
    serverCaCertPath: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    serverName: 'TEMPORAL_TLS_SERVER_NAME',
  },
};
const TLS_NO_CERT: TemporalSettings = {
  ...MTLS,
  tls: { serverCaCertPath: '/etc/etcd-scaleout/temporal/ca.pem' },
};
const PLAIN: TemporalSettings = { ...MTLS, tls: false };

const openssl = (code: string, what: string, alert?: number) => ({
  code,
  message: `C0C7A8F7:error:0A00045C:SSL routines:ssl3_read_bytes:${what}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:${alert ? `SSL alert number ${alert}` : ''}`,
});

describe('a failed Temporal connection in words', () => {
  it('a server that requires a client certificate, met without one (OpenSSL and rustls)', () => {
    for (const err of [
      openssl(
        'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
        'tlsv13 alert certificate required',
        116,
      ),
      { message: 'transport error: received fatal alert: CertificateRequired' },
    ])
      assert.deepEqual(diagnose(err, TLS_NO_CERT), {
        failure: 'tls-refused',
        reason:
          'the server requires a client certificate and none is set: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH to the files of a certificate signed by the CA the server trusts for clients',
      });
  });

  it('a client certificate from a CA the server does not trust', () => {
    for (const err of [
      openssl(
        'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
        'sslv3 alert bad certificate',
        42,
      ),
      openssl('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', 48),
      { message: 'received fatal alert: BadCertificate' },
    ])
      assert.deepEqual(diagnose(err, MTLS), {
        failure: 'tls-refused',
        reason:
          'the server refused the client certificate /etc/etcd-scaleout/temporal/client.pem (TEMPORAL_TLS_CLIENT_CERT_PATH): it is not signed by a CA the server trusts for clients',
      });
  });

  it('a server certificate the CA does not sign, or that does not carry the server name', () => {
    for (const err of [
      {
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        message: 'unable to verify the first certificate',
      },
      {
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
        message: 'self-signed certificate in certificate chain',
      },
      { message: 'invalid peer certificate: UnknownIssuer' },
    ])
      assert.deepEqual(diagnose(err, MTLS), {
        failure: 'tls-untrusted',
        reason:
          "the server's certificate is not signed by the CA in /etc/etcd-scaleout/temporal/ca.pem (TEMPORAL_TLS_SERVER_CA_CERT_PATH): that CA does not match the server's",
      });
    assert.match(
      diagnose(
        { message: 'invalid peer certificate: UnknownIssuer' },
        { ...MTLS, tls: {} },
      )?.reason ?? '',
      /not signed by a CA this machine trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH/,
    );
    assert.deepEqual(
      diagnose(
        {
          code: 'ERR_TLS_CERT_ALTNAME_INVALID',
          message: "Hostname/IP does not match certificate's altnames",
        },
        MTLS,
      ),
      {
        failure: 'tls-mismatch',
        reason:
          "the server's certificate is not valid for the name temporal (TEMPORAL_TLS_SERVER_NAME): set TEMPORAL_TLS_SERVER_NAME to a name the certificate carries",
      },
    );
  });

  it('nothing listening, an unknown host, TLS to a plaintext server', () => {
    assert.equal(
      diagnose(
        {
          code: 'ECONNREFUSED',
          message: 'connect ECONNREFUSED 127.0.0.1:7800',
        },
        PLAIN,
      )?.reason,
      'nothing accepts connections there (connection refused); is the Temporal frontend running, and is TEMPORAL_ADDRESS its host:port?',
    );
    assert.equal(
      diagnose(
        {
          code: 'ENOTFOUND',
          message: 'getaddrinfo ENOTFOUND temporal.internal',
        },
        { ...PLAIN, address: 'temporal.internal:7233' },
      )?.reason,
      'the host name temporal.internal does not resolve',
    );
    assert.equal(
      diagnose(
        openssl('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'),
        MTLS,
      )?.failure,
      'tls-mismatch',
    );
    assert.equal(diagnose({ message: 'something else' }, MTLS), undefined);
  });
});

describe('a paste-able temporal command', () => {
  it('carries the address and the TLS files as flags', () => {
    assert.equal(
      temporalCommand(MTLS, [
        'operator',
        'namespace',
        'describe',
        '--namespace',
        'default',
      ]),
      'temporal operator namespace describe --namespace default --address 127.0.0.1:7800 --tls --tls-cert-path /etc/etcd-scaleout/temporal/client.pem --tls-key-path /etc/etcd-scaleout/temporal/client-key.pem --tls-ca-path /etc/etcd-scaleout/temporal/ca.pem --tls-server-name temporal',
    );
  });

  it('never the API key: from a file the shell reads it into the environment, from a profile the CLI reads the profile', () => {
    const fromFile = temporalCommand(
      {
        ...PLAIN,
        apiKey: new ApiKey(
          'k3y',
          'TEMPORAL_API_KEY_FILE /etc/etcd-scaleout/temporal api key',
        ),
      },
      ['workflow', 'list'],
    );
    assert.equal(
      fromFile,
      `TEMPORAL_API_KEY="$(cat '/etc/etcd-scaleout/temporal api key')" temporal workflow list --address 127.0.0.1:7800`,
    );
    const fromProfile = temporalCommand(
      {
        ...PLAIN,
        apiKey: new ApiKey(
          'k3y',
          'api_key of profile prod in /home/ops/t.toml',
        ),
        profile: { name: 'prod', file: '/home/ops/t.toml' },
      },
      ['workflow', 'list'],
    );
    assert.equal(
      fromProfile,
      'temporal workflow list --address 127.0.0.1:7800 --config-file /home/ops/t.toml --profile prod',
    );
    assert.ok(!`${fromFile}${fromProfile}`.includes('k3y'));
  });
});
