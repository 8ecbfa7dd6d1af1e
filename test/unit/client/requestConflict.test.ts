/** requestDifferences: which fields of two requests for one ticket differ. */
import assert from 'node:assert/strict';
import { requestDifferences } from '../../../src/client';

describe('requestDifferences', () => {
  const base = () => ({
    cluster: { name: 'prod', endpoints: ['http://127.0.0.1:2379'] },
    newMembers: [
      { name: 'etcd4', host: '127.0.0.4' },
      { name: 'etcd5', host: '127.0.0.5' },
    ],
    strategy: { canary: 1, approvers: ['alice'] },
    ticket: { id: 'OPS-1', requestedBy: 'alice' },
  });

  it('finds none between equal requests, whatever the key order', () => {
    const b = base();
    const reordered = {
      ticket: b.ticket,
      strategy: b.strategy,
      newMembers: b.newMembers,
      cluster: b.cluster,
    };
    assert.deepEqual(requestDifferences(base(), reordered), []);
  });

  it('names each differing field by its path, and a list of another length as a whole', () => {
    const b = base();
    b.newMembers[1].host = '127.0.0.9';
    b.strategy.canary = 2;
    b.strategy.approvers.push('bob');
    assert.deepEqual(requestDifferences(base(), b), [
      'newMembers.1.host',
      'strategy.approvers',
      'strategy.canary',
    ]);
    const { ticket: _t, ...noTicket } = base();
    assert.deepEqual(
      requestDifferences(base(), {
        ...noTicket,
        notify: { webhookUrl: 'https://x.example/' },
      }),
      ['notify', 'ticket'],
    );
    assert.deepEqual(requestDifferences(1, '1'), ['(request)']);
  });
});
