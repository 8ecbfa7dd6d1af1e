/** Bad requests (see ./index.ts): the strategy, the listen URLs, the env source and the certificates. */
import type { Case, CaseContext } from './context';

export function strategyCases({ scheme, allOn }: CaseContext): Case[] {
  return [
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
}
