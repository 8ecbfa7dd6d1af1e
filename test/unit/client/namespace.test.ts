/** A missing namespace, recognised in the server's words and explained with the operator's command. */
import assert from 'node:assert/strict';
import {
  createNamespaceCommand,
  isNamespaceNotFound,
  NamespaceMissingError,
} from '../../../src/client/namespace';

describe('namespace missing', () => {
  it('recognises the server\'s "Namespace x is not found." and nothing else', () => {
    assert.ok(
      isNamespaceNotFound(
        new Error('5 NOT_FOUND: Namespace prod is not found.'),
      ),
    );
    assert.ok(
      !isNamespaceNotFound(
        new Error('5 NOT_FOUND: workflow execution not found'),
      ),
    );
    assert.ok(!isNamespaceNotFound(undefined));
  });

  it("names the namespace, the server and the command that creates it, with the server's address", () => {
    const e = new NamespaceMissingError('prod', {
      address: '10.0.0.5:7233',
      tls: false,
    });
    assert.equal(e.name, 'NamespaceMissingError');
    assert.equal(e.address, '10.0.0.5:7233');
    assert.match(
      e.message,
      /namespace prod does not exist on the Temporal server at 10\.0\.0\.5:7233/,
    );
    assert.ok(
      e.message.endsWith(
        'create it once with: temporal operator namespace create --namespace prod --retention 72h --address 10.0.0.5:7233',
      ),
      e.message,
    );
    assert.equal(
      createNamespaceCommand('prod'),
      'temporal operator namespace create --namespace prod --retention 72h',
    );
  });

  it('carries the TLS files as paths, so the command can be pasted as it is', () => {
    const e = new NamespaceMissingError('prod', {
      address: 'temporal.internal:7233',
      tls: {
        clientCertPath: '/etc/etcd-scaleout/temporal/client.pem',
        clientKeyPath: '/etc/etcd-scaleout/temporal/client-key.pem',
        serverCaCertPath: '/etc/etcd-scaleout/temporal/ca.pem',
        serverName: 'temporal',
      },
    });
    assert.ok(
      e.message.endsWith(
        'temporal operator namespace create --namespace prod --retention 72h --address temporal.internal:7233 --tls --tls-cert-path /etc/etcd-scaleout/temporal/client.pem --tls-key-path /etc/etcd-scaleout/temporal/client-key.pem --tls-ca-path /etc/etcd-scaleout/temporal/ca.pem --tls-server-name temporal',
      ),
      e.message,
    );
  });
});
