import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { readCredential } from '../../../src/activities/credentials';
import { etcdConnector } from '../../../src/activities/etcd/client';
import { createSshRunner } from '../../../src/activities/node/ssh';

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

describe('credential files on the worker', () => {
  it('an unreadable file is CredentialsUnreadable, not retried, naming the field, the path and the errno', async () => {
    const f = await failure(
      readCredential('ssh.privateKeyFile', '/nonexistent/id_ed25519'),
    );
    assert.equal(f.type, 'CredentialsUnreadable');
    assert.equal(f.nonRetryable, true);
    assert.equal(
      f.message,
      'cannot read ssh.privateKeyFile /nonexistent/id_ed25519 on the worker: ENOENT',
    );
  });

  it('the SSH runner reports an unreadable key or known_hosts before connecting', async () => {
    const ssh = createSshRunner({
      readFile: async (p) =>
        p.endsWith('known_hosts')
          ? Promise.reject(
              Object.assign(new Error('EACCES'), { code: 'EACCES' }),
            )
          : Buffer.from('key'),
    });
    const f = await failure(
      ssh.run(
        {
          host: '127.0.0.1',
          port: 1,
          user: 'root',
          privateKeyFile: '/k/id',
          knownHostsFile: '/k/known_hosts',
        },
        'true',
      ),
    );
    assert.equal(f.type, 'CredentialsUnreadable');
    assert.equal(
      f.message,
      'cannot read ssh.knownHostsFile /k/known_hosts on the worker: EACCES',
    );
  });

  it('the etcd connector reports an unreadable TLS file of an https cluster', async () => {
    const f = await failure(
      etcdConnector()(['https://127.0.0.1:2379'], {
        caFile: '/nonexistent/ca.pem',
      }),
    );
    assert.equal(f.type, 'CredentialsUnreadable');
    assert.equal(
      f.message,
      'cannot read cluster.tls.caFile /nonexistent/ca.pem on the worker: ENOENT',
    );
  });
});
