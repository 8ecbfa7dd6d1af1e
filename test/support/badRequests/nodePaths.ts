/**
 * Bad requests (see ./index.ts): paths and units a requester could aim at what is not etcd's (issue
 * 17): user-writable etcd binaries, paths that pass a rule only before normalising, env files in
 * another program's folder, a service named like an option.
 */
import type { Case } from './context';

const node = (name: string, field: RegExp, value: Record<string, string>) => ({
  name,
  field,
  edit: (r: Record<string, any>) => {
    r.node = value;
    return r;
  },
});

const USER_WRITABLE =
  /node\.etcdBinary: must not be in a folder users can write to/;
const ENV_FILE =
  /node\.envFile: must be a file directly in \/etc named like etcd/;

export function nodePathCases(): Case[] {
  return [
    ...[
      '//tmp/etcd',
      '/var/tmp/etcd',
      '/dev/shm/etcd',
      '/run/user/1000/etcd',
      '/home/alice/bin/etcd',
      '/usr/local/bin/../../../tmp/etcd',
    ].map((etcdBinary) =>
      node(
        `etcd binary ${etcdBinary}`,
        etcdBinary.includes('..')
          ? /node\.etcdBinary: must not contain "\." or "\.\." segments/
          : USER_WRITABLE,
        { etcdBinary },
      ),
    ),
    node(
      'data dir //var//lib (a system folder once normalised)',
      /node\.dataDir: must be a folder whose path names etcd, like \/var\/lib\/etcd, and not a system folder/,
      { dataDir: '//var//lib' },
    ),
    {
      name: 'backup dir //etc (a system folder once normalised)',
      field: /backup\.dir: must be a folder of its own, not a system folder/,
      edit: (r) => {
        r.backup = { dir: '//etc' };
        return r;
      },
    },
    ...[
      '/etc/sudoers.d/etcd',
      '//etc/sudoers.d/etcd',
      '/etc/systemd/system/etcd.service',
      '/etc/cron.d/etcd',
      '/etc/profile.d/etcd.sh',
      '/etc/ssl/etcd/etcd.env',
    ].map((envFile) => node(`env file ${envFile}`, ENV_FILE, { envFile })),
    node(
      'service -etcd (an option to systemctl)',
      /node\.service: must be a systemd service named like etcd .*not start with "-"/,
      { service: '-etcd' },
    ),
    node(
      'service --etcd.service',
      /node\.service: must be a systemd service named like etcd .*not start with "-"/,
      { service: '--etcd.service' },
    ),
  ];
}
