/** Bad requests (see ./index.ts): names, hosts, services and tickets that would reach a shell or a unit name, and paths. */
import type { Case } from './context';

export function nameCases(): Case[] {
  return [
    // names, hosts, services and tickets that would reach a shell or a unit name
    {
      name: 'shell metacharacters in a name',
      field: /newMembers\[0\]\.name: must be 1-63 lowercase/,
      edit: (r) => {
        r.newMembers[0].name = 'etcd4;rm -rf /';
        return r;
      },
    },
    {
      name: 'uppercase name',
      field: /newMembers\[1\]\.name: must be 1-63 lowercase/,
      edit: (r) => {
        r.newMembers[1].name = 'Etcd5';
        return r;
      },
    },
    {
      name: 'host $(reboot)',
      field: /newMembers\[0\]\.host: must be a hostname or IPv4 address/,
      edit: (r) => {
        r.newMembers[0].host = '$(reboot)';
        return r;
      },
    },
    {
      name: 'service name with ;',
      field: /node\.service: must be a systemd service named like etcd/,
      edit: (r) => {
        r.node = { service: 'etcd;reboot' };
        return r;
      },
    },
    {
      name: 'ticket id with spaces',
      field: /ticket\.id: must be 1-64 letters, digits or/,
      edit: (r) => {
        r.ticket = { id: 'CHG 1234' };
        return r;
      },
    },
    {
      name: 'sshPort 0',
      field: /newMembers\[0\]\.sshPort: must be 1-65535/,
      edit: (r) => {
        r.newMembers[0].sshPort = 0;
        return r;
      },
    },
    {
      name: 'sshPort 70000',
      field: /newMembers\[1\]\.sshPort: must be 1-65535/,
      edit: (r) => {
        r.newMembers[1].sshPort = 70000;
        return r;
      },
    },

    // paths
    {
      name: 'relative key path',
      field: /ssh\.privateKeyFile: must be an absolute path/,
      edit: (r) => {
        r.ssh.privateKeyFile = 'id_ed25519';
        return r;
      },
    },
    {
      name: 'relative backup dir',
      field: /backup\.dir: must be an absolute path/,
      edit: (r) => {
        r.backup = { dir: 'backups' };
        return r;
      },
    },
    {
      name: 'path traversal',
      field: /node\.dataDir: must not contain "\." or "\.\." segments/,
      edit: (r) => {
        r.node = { dataDir: '/var/lib/../../etc' };
        return r;
      },
    },
    {
      name: 'path with a space',
      field: /node\.envFile: must be an absolute path made of letters/,
      edit: (r) => {
        r.node = { envFile: '/etc/etcd env' };
        return r;
      },
    },
    {
      name: 'path with ;',
      field: /node\.etcdBinary: must be an absolute path made of letters/,
      edit: (r) => {
        r.node = { etcdBinary: '/usr/local/bin/etcd;reboot' };
        return r;
      },
    },
    {
      name: 'relative notify secret file',
      field: /notify\.secretFile: must be an absolute path/,
      edit: (r) => {
        r.notify = {
          webhookUrl: 'https://tickets.example.com/hooks/etcd',
          secretFile: 'secret.txt',
        };
        return r;
      },
    },
  ];
}
