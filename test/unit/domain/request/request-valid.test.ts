/** A valid request: the defaults it gets, the URLs normalised, and what it may leave to the live cluster. */
import assert from 'node:assert/strict';
import {
  certificateAuthority,
  listenURLs,
} from '../../../../src/domain/request/request';
import { sampleRequest } from '../../../support/badRequests';
import { httpsRequest, refused, valid } from '../../../support/request';

describe('request validation', () => {
  describe('a valid request', () => {
    it('gets Kubespray defaults for everything it leaves out', () => {
      const r = sampleRequest();
      const minimal = {
        cluster: r.cluster,
        newMembers: r.newMembers,
        ssh: {
          user: 'root',
          privateKeyFile: '/root/.ssh/id_ed25519',
          knownHostsFile: '/root/.ssh/known_hosts',
        },
      };
      const req = valid(minimal);
      assert.deepEqual(req.node, {
        envFile: '/etc/etcd.env',
        dataDir: '/var/lib/etcd',
        service: 'etcd',
        etcdBinary: '/usr/local/bin/etcd',
        envFrom: 'auto',
        certDir: '/etc/ssl/etcd/ssl',
      });
      assert.deepEqual(req.strategy, {
        canary: 1,
        rollback: 'all',
        staleDataDir: 'quarantine',
        allowEvenSize: false,
        allowLargeCluster: false,
        allowNoFaultTolerance: false,
        catchUpTimeoutSeconds: 300,
        healthTimeoutSeconds: 120,
        startTimeoutSeconds: 600,
        approval: 'none',
        approvalTimeout: 86_400,
        onApprovalTimeout: 'rollback',
        fourEyes: false,
        minCertValidityDays: 30,
        certificates: 'check',
      });
      assert.deepEqual(req.backup, { dir: '/var/backups/etcd-scaleout' });
      assert.equal(req.ssh.port, 22);
      assert.equal(req.cluster.tls, undefined);
      assert.equal(req.notify, undefined);
      assert.equal(req.ticket, undefined);
      assert.deepEqual(req.newMembers, r.newMembers);
    });

    it('fills the rest of a partly given node and strategy', () => {
      const r = sampleRequest();
      r.node = { dataDir: '/data/etcd' };
      r.strategy = {
        canary: 2,
        approval: 'after-canary',
        approvalTimeout: '1h30m',
      };
      const req = valid(r);
      assert.deepEqual(req.node, {
        envFile: '/etc/etcd.env',
        dataDir: '/data/etcd',
        service: 'etcd',
        etcdBinary: '/usr/local/bin/etcd',
        envFrom: 'auto',
        certDir: '/etc/ssl/etcd/ssl',
      });
      assert.equal(req.strategy.canary, 2);
      assert.equal(req.strategy.rollback, 'all');
      assert.equal(req.strategy.approval, 'after-canary');
      assert.equal(req.strategy.approvalTimeout, 5_400);
      assert.equal(req.strategy.onApprovalTimeout, 'rollback');
      assert.equal(req.ssh.port, 2222);
    });

    it('normalises paths before their rules and keeps the normal form (issue 17)', () => {
      const r = sampleRequest();
      r.node = {
        envFile: '/etc/etcd//etcd.env',
        dataDir: '//var/lib//etcd',
        etcdBinary: '/opt/etcd/bin/etcd',
        service: 'etcd-events.service',
      };
      r.backup = { dir: '/var//backups/etcd-scaleout' };
      const req = valid(r);
      assert.equal(req.node.envFile, '/etc/etcd/etcd.env');
      assert.equal(req.node.dataDir, '/var/lib/etcd');
      assert.equal(req.node.etcdBinary, '/opt/etcd/bin/etcd');
      assert.equal(req.node.service, 'etcd-events.service');
      assert.equal(req.backup.dir, '/var/backups/etcd-scaleout');
    });

    it('accepts https with TLS files and defaults the CA file', () => {
      const r = httpsRequest();
      delete r.cluster.tls.caFile;
      const req = valid(r);
      assert.deepEqual(req.cluster.tls, {
        caFile: '/etc/ssl/etcd/ssl/ca.pem',
        certFile: '/etc/ssl/etcd/ssl/admin-node1.pem',
        keyFile: '/etc/ssl/etcd/ssl/admin-node1-key.pem',
      });
    });

    it('normalises URLs to scheme://host:port', () => {
      const r = sampleRequest();
      r.cluster.endpoints = [
        'HTTP://127.0.24.11:2379/',
        'http://ETCD2.Example.COM:2379',
        'http://[::1]:2379',
      ];
      r.newMembers[0].peerURL = 'http://127.0.24.14:2380/';
      r.newMembers[1].clientURL = 'Http://127.0.24.15:2379';
      const req = valid(r);
      assert.deepEqual(req.cluster.endpoints, [
        'http://127.0.24.11:2379',
        'http://etcd2.example.com:2379',
        'http://[::1]:2379',
      ]);
      assert.equal(req.newMembers[0].peerURL, 'http://127.0.24.14:2380');
      assert.equal(req.newMembers[1].clientURL, 'http://127.0.24.15:2379');
    });

    it('compares duplicate URLs after normalising them', () => {
      const r = sampleRequest();
      r.newMembers[1] = {
        name: 'etcd5',
        host: '127.0.24.14',
        peerURL: 'HTTP://127.0.24.14:2380/',
        clientURL: 'http://127.0.24.14:2479',
      };
      assert.match(
        refused(r),
        /newMembers\[1\]\.peerURL: duplicates newMembers\[0\]\.peerURL \(http:\/\/127\.0\.24\.14:2380\)/,
      );
    });

    it('does not refuse an even target size: that needs the live cluster (planning)', () => {
      const r = sampleRequest();
      r.newMembers = r.newMembers.slice(0, 1);
      assert.equal(valid(r).newMembers.length, 1);
    });

    it('takes names in member URLs when listenAddress gives the IP to bind', () => {
      // Names are taken only where no cluster.newMemberNetworks asks for IP addresses.
      const r = sampleRequest();
      delete r.cluster.newMemberNetworks;
      r.newMembers = [
        {
          name: 'etcd4',
          host: 'etcd4.example.com',
          peerURL: 'http://etcd4.example.com:2380',
          clientURL: 'http://etcd4.example.com:2379',
          listenAddress: '10.0.24.14',
        },
      ];
      const m = valid(r).newMembers[0];
      assert.deepEqual(listenURLs(m), {
        peer: 'http://10.0.24.14:2380',
        client: 'http://10.0.24.14:2379',
      });
      assert.deepEqual(listenURLs(valid(sampleRequest()).newMembers[1]), {
        peer: 'http://127.0.24.15:2380',
        client: 'http://127.0.24.15:2379',
      });
    });

    it('accepts the env source, certificate folder and certificate strategy', () => {
      const r = httpsRequest();
      r.node = { envFrom: 'member', certDir: '/etc/kubernetes/pki/etcd' };
      r.strategy = { certificates: 'issue', minCertValidityDays: 0 };
      const req = valid(r);
      assert.equal(req.node.envFrom, 'member');
      assert.equal(req.node.certDir, '/etc/kubernetes/pki/etcd');
      assert.equal(req.strategy.certificates, 'issue');
      assert.equal(req.strategy.minCertValidityDays, 0);
    });

    it('puts the CA on the first endpoint host with Kubespray key path unless told otherwise', () => {
      const r = httpsRequest();
      assert.deepEqual(certificateAuthority(valid(r)), {
        host: '127.0.24.11',
        keyFile: '/etc/ssl/etcd/ssl/ca-key.pem',
      });
      r.cluster.tls = {
        ...r.cluster.tls,
        caHost: 'etcd-ca.example.com',
        caKeyFile: '/root/ca-key.pem',
      };
      assert.deepEqual(certificateAuthority(valid(r)), {
        host: 'etcd-ca.example.com',
        keyFile: '/root/ca-key.pem',
      });
      assert.equal(certificateAuthority(valid(sampleRequest())), undefined);
    });

    it('accepts the sample request used for the bad cases', () => {
      valid(sampleRequest());
      valid(httpsRequest());
    });
  });
});
