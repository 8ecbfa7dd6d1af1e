/** Bad requests (see ./index.ts): quorum and ownership, what reaches a node's files, and deceptive text (issue 9). */
import type { Case, CaseContext } from './context';

export function ownershipCases({ scheme, hostOf }: CaseContext): Case[] {
  return [
    // issue 9: quorum and ownership, what reaches a node's files, deceptive text
    {
      name: 'two new members on one host',
      field:
        /newMembers\[1\]\.host: duplicates newMembers\[0\]\.host .*one etcd member per host/,
      edit: (r) => {
        r.newMembers[1] = {
          ...r.newMembers[1],
          host: r.newMembers[0].host,
          peerURL: `${scheme}//${r.newMembers[0].host}:2480`,
          clientURL: `${scheme}//${r.newMembers[0].host}:2479`,
        };
        return r;
      },
    },
    {
      name: "new member on an existing member's host",
      field: /newMembers\[0\]\.host: \S+ is the host of an existing member/,
      edit: (r) => {
        const h = hostOf(r.cluster.endpoints[0]);
        r.newMembers[0] = {
          ...r.newMembers[0],
          host: h,
          peerURL: `${scheme}//${h}:2480`,
          clientURL: `${scheme}//${h}:2479`,
        };
        return r;
      },
    },
    {
      name: 'port 0 in a URL',
      field: /newMembers\[0\]\.peerURL: must not use port 0/,
      edit: (r) => {
        r.newMembers[0].peerURL = `${scheme}//${r.newMembers[0].host}:0`;
        return r;
      },
    },
    {
      name: 'duplicate endpoints',
      field: /cluster\.endpoints\[1\]: duplicates cluster\.endpoints\[0\]/,
      edit: (r) => {
        r.cluster.endpoints[1] = r.cluster.endpoints[0];
        return r;
      },
    },
    {
      name: 'right-to-left override in requestedBy',
      field:
        /ticket\.requestedBy: must not contain control, bidirectional-override/,
      edit: (r) => {
        r.ticket = { id: 'LAB-1', requestedBy: 'alice\u202Eecila' };
        return r;
      },
    },
    {
      name: 'NEL (U+0085) in requestedBy',
      field: /ticket\.requestedBy: must not contain control/,
      edit: (r) => {
        r.ticket = { id: 'LAB-1', requestedBy: 'alice\u0085bob' };
        return r;
      },
    },
    {
      name: 'newline in an approver',
      field: /strategy\.approvers\[0\]: must not contain control/,
      edit: (r) => {
        r.strategy.approvers = ['bob\nLD_PRELOAD=/tmp/x.so'];
        return r;
      },
    },
    {
      name: 'empty approvers list',
      field: /strategy\.approvers: must name at least one approver/,
      edit: (r) => {
        r.strategy.approvers = [];
        return r;
      },
    },
    {
      name: 'env file /etc/sudoers',
      field: /node\.envFile: must be a file directly in \/etc named like etcd/,
      edit: (r) => {
        r.node = { envFile: '/etc/sudoers' };
        return r;
      },
    },
    {
      name: 'service poweroff.target',
      field: /node\.service: must be a systemd service named like etcd/,
      edit: (r) => {
        r.node = { service: 'poweroff.target' };
        return r;
      },
    },
    {
      name: 'data dir /etc',
      field: /node\.dataDir: must be a folder whose path names etcd/,
      edit: (r) => {
        r.node = { dataDir: '/etc' };
        return r;
      },
    },
    {
      name: 'data dir /var/lib',
      field:
        /node\.dataDir: must be a folder whose path names etcd, like \/var\/lib\/etcd, and not a system folder/,
      edit: (r) => {
        r.node = { dataDir: '/var/lib' };
        return r;
      },
    },
    {
      name: 'backup dir /',
      field: /backup\.dir: must be a folder of its own, not a system folder/,
      edit: (r) => {
        r.backup = { dir: '/' };
        return r;
      },
    },
    {
      name: 'etcd binary /bin/sh',
      field: /node\.etcdBinary: must be an executable named etcd/,
      edit: (r) => {
        r.node = { etcdBinary: '/bin/sh' };
        return r;
      },
    },
    {
      name: 'webhook token in the query',
      field: /notify\.webhookUrl: must have no query string or fragment/,
      edit: (r) => {
        r.notify = { webhookUrl: 'https://tickets.example.com/hook?token=abc' };
        return r;
      },
    },
    {
      name: 'webhook path with a malformed %-escape',
      field: /notify\.webhookUrl: has a malformed %-escape in its path/,
      edit: (r) => {
        r.notify = { webhookUrl: 'https://tickets.example.com/hook/%E0%A4%A' };
        return r;
      },
    },
    {
      name: 'notify secret /dev/zero',
      field: /notify\.secretFile: must be a file of its own, not a device/,
      edit: (r) => {
        r.notify = {
          webhookUrl: 'https://tickets.example.com/hooks/etcd',
          secretFile: '/dev/zero',
        };
        return r;
      },
    },
    {
      name: 'webhook on the cloud metadata address',
      field: /notify\.webhookUrl: .*link-local.*notify\.allowPrivateTargets/,
      edit: (r) => {
        r.notify = { webhookUrl: 'http://169.254.169.254/latest/meta-data' };
        return r;
      },
    },
    {
      name: 'webhook on loopback',
      field: /notify\.webhookUrl: .*loopback/,
      edit: (r) => {
        r.notify = { webhookUrl: 'http://127.0.0.1:8080/hook' };
        return r;
      },
    },
    {
      name: 'webhook token in the path',
      field: /notify\.webhookUrl: must not carry a token in its path/,
      edit: (r) => {
        r.notify = {
          webhookUrl:
            'https://hooks.example.com/services/T0001/B0002/a1b2c3d4e5f6g7h8i9j0k1l2',
        };
        return r;
      },
    },
    {
      name: 'allowLargeCluster "yes"',
      field: /strategy\.allowLargeCluster: must be true or false/,
      edit: (r) => {
        r.strategy.allowLargeCluster = 'yes';
        return r;
      },
    },
  ];
}
