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

  it('names the namespace, the server and the command that creates it', () => {
    const e = new NamespaceMissingError('prod', '10.0.0.5:7233');
    assert.equal(e.name, 'NamespaceMissingError');
    assert.match(
      e.message,
      /namespace prod does not exist on the Temporal server at 10\.0\.0\.5:7233/,
    );
    assert.ok(e.message.endsWith(createNamespaceCommand('prod')));
    assert.equal(
      createNamespaceCommand('prod'),
      'temporal operator namespace create --namespace prod --retention 72h',
    );
  });
});
