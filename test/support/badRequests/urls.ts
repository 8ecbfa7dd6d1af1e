/** Bad requests (see ./index.ts): uRLs, and duplicates and collisions between them. */
import type { Case, CaseContext } from './context';

export function urlCases({
  scheme,
  other,
  hostOf,
  allOn,
}: CaseContext): Case[] {
  return [
    // URLs
    {
      name: 'non-URL endpoint',
      field:
        /cluster\.endpoints\[0\]: must use http or https, got "etcd1:2379"/,
      edit: (r) => {
        r.cluster.endpoints[0] = 'etcd1:2379';
        return r;
      },
    },
    {
      name: 'not a URL at all',
      field:
        /cluster\.endpoints\[1\]: must be a URL like https:\/\/10\.0\.0\.14:2379/,
      edit: (r) => {
        r.cluster.endpoints[1] = 'not a url';
        return r;
      },
    },
    {
      name: 'ftp scheme',
      field: /cluster\.endpoints\[2\]: must use http or https, got "ftp:/,
      edit: (r) => {
        r.cluster.endpoints[2] = r.cluster.endpoints[2].replace(
          /^https?:/,
          'ftp:',
        );
        return r;
      },
    },
    {
      name: 'URL with a path',
      field:
        /newMembers\[0\]\.clientURL: must be scheme:\/\/host:port with no path/,
      edit: (r) => {
        r.newMembers[0].clientURL += '/v3';
        return r;
      },
    },
    {
      name: 'URL with credentials',
      field:
        /newMembers\[0\]\.clientURL: must be scheme:\/\/host:port with no path, query or credentials/,
      edit: (r) => {
        r.newMembers[0].clientURL = `${scheme}//u:p@${r.newMembers[0].host}:2379`;
        return r;
      },
    },
    {
      name: 'URL without a port',
      field: /newMembers\[0\]\.peerURL: must name its port explicitly/,
      edit: (r) => {
        r.newMembers[0].peerURL = `${scheme}//${r.newMembers[0].host}`;
        return r;
      },
    },
    {
      name: 'peer URL on another host',
      field:
        /newMembers\[0\]\.peerURL: host .* differs from newMembers\[0\]\.host/,
      edit: (r) => {
        r.newMembers[0].peerURL = `${scheme}//127.0.0.99:2380`;
        return r;
      },
    },
    {
      name: 'peer URL same as client URL',
      field: /newMembers\[0\]\.peerURL: .* uses the host:port of a client URL/,
      edit: (r) => {
        r.newMembers[0].peerURL = r.newMembers[0].clientURL;
        return r;
      },
    },
    {
      name: 'https endpoints mixed with http members',
      field:
        /cluster\.endpoints: endpoints and new members must all use http or all use https/,
      edit: (r) => {
        r.cluster.endpoints = r.cluster.endpoints.map((u: string) =>
          u.replace(/^https?:/, other),
        );
        return r;
      },
    },
    {
      name: 'http endpoints with TLS files',
      field: /cluster\.tls: TLS files were given but the endpoints use http/,
      edit: (r) => {
        r = allOn(r, 'http:');
        r.cluster.tls = { caFile: '/etc/ssl/etcd/ssl/ca.pem' };
        return r;
      },
    },
    {
      name: 'certFile without keyFile',
      field:
        /cluster\.tls\.keyFile: certFile and keyFile must be given together/,
      edit: (r) => {
        r = allOn(r, 'https:');
        r.cluster.tls = { certFile: '/etc/ssl/etcd/ssl/admin-node1.pem' };
        return r;
      },
    },
    {
      name: 'keyFile without certFile',
      field:
        /cluster\.tls\.certFile: certFile and keyFile must be given together/,
      edit: (r) => {
        r = allOn(r, 'https:');
        r.cluster.tls = { keyFile: '/etc/ssl/etcd/ssl/admin-node1-key.pem' };
        return r;
      },
    },
    {
      name: 'notify webhook not a URL',
      field: /notify\.webhookUrl: must be an http\(s\) URL/,
      edit: (r) => {
        r.notify = { webhookUrl: 'tickets.example.com/hook' };
        return r;
      },
    },

    // duplicates and collisions
    {
      name: 'duplicate names',
      field: /newMembers\[1\]\.name: duplicates newMembers\[0\]\.name/,
      edit: (r) => {
        r.newMembers[1].name = r.newMembers[0].name;
        return r;
      },
    },
    {
      name: 'duplicate peer URLs',
      field: /newMembers\[1\]\.peerURL: duplicates newMembers\[0\]\.peerURL/,
      edit: (r) => {
        r.newMembers[1] = {
          ...r.newMembers[1],
          host: r.newMembers[0].host,
          peerURL: r.newMembers[0].peerURL,
          clientURL: `${scheme}//${r.newMembers[0].host}:2479`,
        };
        return r;
      },
    },
    {
      name: 'duplicate client URLs',
      field:
        /newMembers\[1\]\.clientURL: duplicates newMembers\[0\]\.clientURL/,
      edit: (r) => {
        r.newMembers[1] = {
          ...r.newMembers[1],
          host: r.newMembers[0].host,
          peerURL: `${scheme}//${r.newMembers[0].host}:2480`,
          clientURL: r.newMembers[0].clientURL,
        };
        return r;
      },
    },
    {
      name: 'new member on an existing endpoint',
      field:
        /newMembers\[0\]\.clientURL: \S+ is already one of cluster\.endpoints/,
      edit: (r) => {
        const h = hostOf(r.cluster.endpoints[0]);
        r.newMembers[0] = {
          ...r.newMembers[0],
          host: h,
          peerURL: `${scheme}//${h}:2380`,
          clientURL: r.cluster.endpoints[0],
        };
        return r;
      },
    },
  ];
}
