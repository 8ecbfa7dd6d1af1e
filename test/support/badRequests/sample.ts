import type { Req } from './context';

/**
 * A good request shaped like the lab's (`Lab.request()` for block 24): 3 members, 2 new ones, http.
 * For the unit tests, which have no lab.
 */
export function sampleRequest(): Req {
  const keys = '/tmp/etcd-scaleout-lab/block-24/keys';
  return {
    cluster: {
      name: 'lab-24',
      endpoints: [
        'http://127.0.24.11:2379',
        'http://127.0.24.12:2379',
        'http://127.0.24.13:2379',
      ],
      newMemberNetworks: ['127.0.24.0/24'],
    },
    newMembers: [
      {
        name: 'etcd4',
        host: '127.0.24.14',
        peerURL: 'http://127.0.24.14:2380',
        clientURL: 'http://127.0.24.14:2379',
      },
      {
        name: 'etcd5',
        host: '127.0.24.15',
        peerURL: 'http://127.0.24.15:2380',
        clientURL: 'http://127.0.24.15:2379',
      },
    ],
    ssh: {
      user: 'root',
      port: 2222,
      privateKeyFile: `${keys}/id_ed25519`,
      knownHostsFile: `${keys}/known_hosts`,
    },
    strategy: { canary: 1, rollback: 'all', staleDataDir: 'quarantine' },
    backup: { dir: '/tmp/etcd-scaleout-lab/block-24/backups' },
    ticket: { id: 'LAB-24', requestedBy: 'lab' },
  };
}
