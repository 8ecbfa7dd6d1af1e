/**
 * Malformed and dangerous scale-out requests, each built by editing a deep clone of a good request,
 * with the `<field path>: <message>` that validation must print for it (formatErrors' format).
 *
 * Used twice: by the unit tests against validateRequest directly, and by the integration test
 * through the real workflow. Requests that need the live cluster to be refused (an even target size,
 * a peer URL that is already a member) are not here: planning refuses those.
 */

type Req = Record<string, any>;

export interface BadRequest {
  name: string;
  /** Must match the printed errors: `<field path>: <message>`. */
  field: RegExp;
  request: unknown;
}

const clone = (r: Req): Req => JSON.parse(JSON.stringify(r));

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

export function badRequests(good: Req): BadRequest[] {
  if (!Array.isArray(good.newMembers) || good.newMembers.length < 2)
    throw new Error(
      'badRequests needs a good request with at least 2 new members',
    );
  const scheme = new URL(good.cluster.endpoints[0]).protocol; // 'http:' or 'https:'
  const other = scheme === 'http:' ? 'https:' : 'http:';
  const hostOf = (url: string) => new URL(url).hostname;
  /** Every URL of the request on the given scheme. */
  const allOn = (r: Req, s: string): Req => {
    const to = (u: string) => u.replace(/^https?:/, s);
    r.cluster.endpoints = r.cluster.endpoints.map(to);
    for (const m of r.newMembers) {
      m.peerURL = to(m.peerURL);
      m.clientURL = to(m.clientURL);
    }
    return r;
  };
  const member = (i: number, prefix: string) => ({
    name: `extra${i}`,
    host: `${prefix}.${i + 1}`,
    peerURL: `${scheme}//${prefix}.${i + 1}:2380`,
    clientURL: `${scheme}//${prefix}.${i + 1}:2379`,
  });

  const cases: Array<{
    name: string;
    field: RegExp;
    edit: (r: Req) => unknown;
  }> = [
    // the shape of the request
    {
      name: 'not an object',
      field: /\(request\): must be a JSON object/,
      edit: () => ['etcd4'],
    },
    {
      name: 'missing cluster',
      field: /cluster: is required/,
      edit: (r) => {
        delete r.cluster;
        return r;
      },
    },
    {
      name: 'empty member list',
      field: /newMembers: must list at least one new member/,
      edit: (r) => {
        r.newMembers = [];
        return r;
      },
    },
    {
      name: 'nine new members',
      field: /newMembers: must list at most 8 members/,
      edit: (r) => {
        r.newMembers = Array.from({ length: 9 }, (_, i) =>
          member(i, '10.99.0'),
        );
        return r;
      },
    },
    {
      name: 'a 10-endpoint cluster',
      field: /cluster\.endpoints: must list at most 9 endpoints/,
      edit: (r) => {
        r.cluster.endpoints = Array.from(
          { length: 10 },
          (_, i) => `${scheme}//10.98.0.${i + 1}:2379`,
        );
        return r;
      },
    },

    // unknown fields at every level
    {
      name: 'unknown top-level field',
      field: /\(request\): unknown field\(s\): dryRun/,
      edit: (r) => {
        r.dryRun = true;
        return r;
      },
    },
    {
      name: '__proto__ key from JSON',
      field: /\(request\): unknown field\(s\): __proto__/,
      edit: (r) =>
        JSON.parse(
          JSON.stringify(r).replace(/^\{/, '{"__proto__":{"polluted":true},'),
        ),
    },
    {
      name: 'unknown cluster field',
      field: /cluster: unknown field\(s\): endpoint\b/,
      edit: (r) => {
        r.cluster.endpoint = r.cluster.endpoints[0];
        return r;
      },
    },
    {
      name: 'unknown field in newMembers[0]',
      field: /newMembers\[0\]: unknown field\(s\): learner/,
      edit: (r) => {
        r.newMembers[0].learner = false;
        return r;
      },
    },
    {
      name: 'unknown ssh field',
      field: /ssh: unknown field\(s\): password/,
      edit: (r) => {
        r.ssh.password = 'hunter2';
        return r;
      },
    },
    {
      name: 'unknown node field',
      field: /node: unknown field\(s\): preStart/,
      edit: (r) => {
        r.node = { preStart: 'rm -rf /var/lib/etcd' };
        return r;
      },
    },
    {
      name: 'unknown strategy field (typo)',
      field: /strategy: unknown field\(s\): rollbak/,
      edit: (r) => {
        r.strategy.rollbak = 'all';
        return r;
      },
    },

    // wrong types
    {
      name: 'ssh port as a string',
      field: /ssh\.port: must be a port number/,
      edit: (r) => {
        r.ssh.port = '22';
        return r;
      },
    },
    {
      name: 'endpoints as a string',
      field: /cluster\.endpoints: must be a list of client URLs/,
      edit: (r) => {
        r.cluster.endpoints = r.cluster.endpoints.join(',');
        return r;
      },
    },
    {
      name: 'newMembers as an object',
      field: /newMembers: must be a list of members/,
      edit: (r) => {
        r.newMembers = { ...r.newMembers[0] };
        return r;
      },
    },
    {
      name: 'allowEvenSize "yes"',
      field: /strategy\.allowEvenSize: must be true or false/,
      edit: (r) => {
        r.strategy.allowEvenSize = 'yes';
        return r;
      },
    },
    {
      name: 'missing ssh key file field',
      field: /ssh\.privateKeyFile: is required: must be an absolute path/,
      edit: (r) => {
        delete r.ssh.privateKeyFile;
        return r;
      },
    },

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
      field: /node\.envFile: must be a file under \/etc whose path names etcd/,
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

    // strategy
    {
      name: 'absurd canary count',
      field: /strategy\.canary: must be at most 9/,
      edit: (r) => {
        r.strategy.canary = 1000;
        return r;
      },
    },
    {
      name: 'canary above the number of new members',
      field: /strategy\.canary: is 3 but only 2 new member\(s\) are requested/,
      edit: (r) => {
        r.newMembers = r.newMembers.slice(0, 2);
        r.strategy.canary = 3;
        return r;
      },
    },
    {
      name: 'bad rollback mode',
      field: /strategy\.rollback: must be "all" or "none"/,
      edit: (r) => {
        r.strategy.rollback = 'some';
        return r;
      },
    },
    {
      name: 'approval "maybe"',
      field: /strategy\.approval: must be "none" or "after-canary"/,
      edit: (r) => {
        r.strategy.approval = 'maybe';
        return r;
      },
    },
    {
      name: 'approvalTimeout "soon"',
      field: /strategy\.approvalTimeout: must be a duration .*got "soon"/,
      edit: (r) => {
        r.strategy.approval = 'after-canary';
        r.strategy.approvalTimeout = 'soon';
        return r;
      },
    },
    {
      name: 'approvalTimeout 0',
      field: /strategy\.approvalTimeout: must be a duration .*got 0/,
      edit: (r) => {
        r.strategy.approval = 'after-canary';
        r.strategy.approvalTimeout = 0;
        return r;
      },
    },
    {
      name: 'bad onApprovalTimeout',
      field: /strategy\.onApprovalTimeout: must be "rollback" or "keep-canary"/,
      edit: (r) => {
        r.strategy.onApprovalTimeout = 'ignore';
        return r;
      },
    },

    // listen URLs, env source and certificates
    {
      name: 'listenAddress not an IP',
      field: /newMembers\[0\]\.listenAddress: must be an IPv4 address/,
      edit: (r) => {
        r.newMembers[0].listenAddress = 'etcd4.example.com';
        return r;
      },
    },
    {
      name: 'member URLs on a name without listenAddress',
      field:
        /newMembers\[0\]\.peerURL: host etcd4\.example\.com is a name, but etcd binds its listen URLs to IP addresses only .*set newMembers\[0\]\.listenAddress/,
      edit: (r) => {
        r.newMembers[0] = {
          ...r.newMembers[0],
          host: 'etcd4.example.com',
          peerURL: `${scheme}//etcd4.example.com:2380`,
          clientURL: `${scheme}//etcd4.example.com:2379`,
        };
        return r;
      },
    },
    {
      name: 'envFrom "copy"',
      field: /node\.envFrom: must be "auto", "member" or "node"/,
      edit: (r) => {
        r.node = { envFrom: 'copy' };
        return r;
      },
    },
    {
      name: 'relative certDir',
      field: /node\.certDir: must be an absolute path/,
      edit: (r) => {
        r.node = { certDir: 'ssl' };
        return r;
      },
    },
    {
      name: 'minCertValidityDays -1',
      field: /strategy\.minCertValidityDays: must be at least 0/,
      edit: (r) => {
        r.strategy.minCertValidityDays = -1;
        return r;
      },
    },
    {
      name: 'minCertValidityDays as a string',
      field: /strategy\.minCertValidityDays: must be a number of days/,
      edit: (r) => {
        r.strategy.minCertValidityDays = '30';
        return r;
      },
    },
    {
      name: 'certificates "skip"',
      field: /strategy\.certificates: must be "check" or "issue"/,
      edit: (r) => {
        r.strategy.certificates = 'skip';
        return r;
      },
    },
    {
      name: 'caHost with a shell command',
      field: /cluster\.tls\.caHost: must be a hostname or IPv4 address/,
      edit: (r) => {
        r = allOn(r, 'https:');
        r.cluster.tls = { caHost: '$(reboot)' };
        return r;
      },
    },
    {
      name: 'relative caKeyFile',
      field: /cluster\.tls\.caKeyFile: must be an absolute path/,
      edit: (r) => {
        r = allOn(r, 'https:');
        r.cluster.tls = { caKeyFile: 'ca-key.pem' };
        return r;
      },
    },
    {
      name: 'issuing certificates without TLS',
      field: /strategy\.certificates: is "issue" but the cluster has no TLS/,
      edit: (r) => {
        r = allOn(r, 'http:');
        delete r.cluster.tls;
        r.strategy.certificates = 'issue';
        return r;
      },
    },
    {
      name: 'issuing certificates that would fail minCertValidityDays',
      field:
        /strategy\.minCertValidityDays: is 400, but issued certificates are valid for 365 days/,
      edit: (r) => {
        r = allOn(r, 'https:');
        r.cluster.tls = {};
        r.strategy.certificates = 'issue';
        r.strategy.minCertValidityDays = 400;
        return r;
      },
    },
  ];
  return cases.map((c) => ({
    name: c.name,
    field: c.field,
    request: c.edit(clone(good)),
  }));
}
