import assert from 'node:assert/strict';
import { Compensations } from '../../../src/workflows/run/compensations';

describe('compensations', () => {
  const describe_ = (err: unknown) => (err as Error).message;

  it('runs the undos last registered first', async () => {
    const c = new Compensations();
    const order: string[] = [];
    c.register('undo etcd4', async (record) => {
      order.push('etcd4');
      record('removed member etcd4 (1)');
    });
    c.register('undo etcd5', async (record) => {
      order.push('etcd5');
      record('removed member etcd5 (2)');
    });
    const out = await c.runAll(describe_);
    assert.deepEqual(order, ['etcd5', 'etcd4']);
    assert.deepEqual(out, {
      undone: ['removed member etcd5 (2)', 'removed member etcd4 (1)'],
      notUndone: [],
    });
  });

  it('keeps the steps an undo completed before one of its later steps failed', async () => {
    const c = new Compensations();
    c.register('undo etcd4', async (record) => {
      record('removed member etcd4 (1)');
      record('stopped etcd on 127.0.0.14');
      throw new Error(
        'CredentialsUnreadable: cannot read ssh.privateKeyFile /k on the worker: EACCES',
      );
    });
    const seen: string[] = [];
    const out = await c.runAll(describe_, (d) => seen.push(d));
    assert.deepEqual(out.undone, [
      'removed member etcd4 (1)',
      'stopped etcd on 127.0.0.14',
    ]);
    assert.deepEqual(out.notUndone, [
      'undo etcd4: CredentialsUnreadable: cannot read ssh.privateKeyFile /k on the worker: EACCES',
    ]);
    assert.deepEqual(seen, out.undone, 'each step is reported as it completes');
  });

  it('goes on with the other undos after one fails', async () => {
    const c = new Compensations();
    c.register('undo etcd4', async (record) =>
      record('removed member etcd4 (1)'),
    );
    c.register('undo etcd5', async () => {
      throw new Error('boom');
    });
    const out = await c.runAll(describe_);
    assert.deepEqual(out, {
      undone: ['removed member etcd4 (1)'],
      notUndone: ['undo etcd5: boom'],
    });
    assert.equal(c.size, 2);
    assert.deepEqual(c.descriptions, ['undo etcd4', 'undo etcd5']);
  });

  it('a failed undo lists what is left to do by hand', async () => {
    const c = new Compensations();
    let left = ['remove member 1', 'on 10.0.0.4: systemctl stop etcd'];
    c.register(
      'undo etcd4',
      async (record) => {
        record('removed member etcd4 (1)');
        left = left.slice(1);
        throw new Error('ssh refused');
      },
      () => left,
    );
    const out = await c.runAll(describe_);
    assert.deepEqual(out.notUndone, [
      'undo etcd4: ssh refused; left to do by hand: on 10.0.0.4: systemctl stop etcd',
    ]);
  });
});
