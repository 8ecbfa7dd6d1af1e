import assert from 'node:assert/strict';
import {
  certificateAuthority,
  formatErrors,
  listenURLs,
  parseDuration,
  type ScaleOutRequest,
  validateRequest,
} from '../../src/domain/request';
import { badRequests, sampleRequest } from '../support/badRequests';

type Req = Record<string, any>;

function valid(raw: unknown): ScaleOutRequest {
  const v = validateRequest(raw);
  if (!v.ok) assert.fail(`refused: ${formatErrors(v.errors)}`);
  return v.request;
}

function refused(raw: unknown): string {
  const v = validateRequest(raw);
  assert.equal(v.ok, false, 'was accepted');
  return v.ok ? '' : formatErrors(v.errors);
}

/** The sample on https with TLS files, to show the bad cases do not depend on the scheme. */
function httpsRequest(): Req {
  const r = sampleRequest();
  const to = (u: string) => u.replace(/^http:/, 'https:');
  r.cluster.endpoints = r.cluster.endpoints.map(to);
  for (const m of r.newMembers) {
    m.peerURL = to(m.peerURL);
    m.clientURL = to(m.clientURL);
  }
  r.cluster.tls = {
    caFile: '/etc/ssl/etcd/ssl/ca.pem',
    certFile: '/etc/ssl/etcd/ssl/admin-node1.pem',
    keyFile: '/etc/ssl/etcd/ssl/admin-node1-key.pem',
  };
  return r;
}

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
        catchUpTimeoutSeconds: 300,
        healthTimeoutSeconds: 120,
        approval: 'none',
        approvalTimeout: 86_400,
        onApprovalTimeout: 'rollback',
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
      const r = sampleRequest();
      r.newMembers[0] = {
        name: 'etcd4',
        host: 'etcd4.example.com',
        peerURL: 'http://etcd4.example.com:2380',
        clientURL: 'http://etcd4.example.com:2379',
        listenAddress: '127.0.24.14',
      };
      const m = valid(r).newMembers[0];
      assert.deepEqual(listenURLs(m), {
        peer: 'http://127.0.24.14:2380',
        client: 'http://127.0.24.14:2379',
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

  describe('parseDuration', () => {
    const good: Array<[number | string, number]> = [
      ['24h', 86_400],
      ['1h30m', 5_400],
      ['90s', 90],
      ['30m', 1_800],
      ['1d', 86_400],
      ['2d3h4m5s', 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5],
      [' 45m ', 2_700],
      ['3600', 3_600],
      [3600, 3_600],
      [0, 0],
    ];
    for (const [input, seconds] of good) {
      it(`${JSON.stringify(input)} is ${seconds}s`, () =>
        assert.equal(parseDuration(input), seconds));
    }
    for (const input of [
      'soon',
      '',
      '   ',
      '1.5h',
      '-5',
      'h',
      '1x',
      '30m1h',
      '1h 30m',
      '24H',
      1.5,
      Number.NaN,
    ]) {
      it(`${JSON.stringify(input)} is refused`, () =>
        assert.equal(parseDuration(input), undefined));
    }
    it('bounds approvalTimeout to 1s..30d in the request', () => {
      const at = (v: unknown) => {
        const r = sampleRequest();
        r.strategy.approvalTimeout = v;
        return validateRequest(r);
      };
      const ok = at('30d');
      assert.ok(ok.ok && ok.request.strategy.approvalTimeout === 30 * 86_400);
      const errors = (v: unknown) => {
        const res = at(v);
        return res.ok ? 'accepted' : formatErrors(res.errors);
      };
      assert.match(
        errors('31d'),
        /strategy\.approvalTimeout: must be a duration from 1s to 30d/,
      );
      assert.match(errors(-1), /strategy\.approvalTimeout: .*got -1/);
      assert.match(
        errors(true),
        /strategy\.approvalTimeout: must be a duration/,
      );
    });
  });

  describe('refusals', () => {
    it('never throws, whatever the input', () => {
      for (const raw of [
        null,
        undefined,
        42,
        'etcd4',
        [],
        {},
        { cluster: null },
        { newMembers: [null, 'x', 5] },
        { cluster: { endpoints: [null, {}] } },
      ]) {
        const v = validateRequest(raw);
        assert.equal(v.ok, false);
        if (!v.ok) {
          assert.ok(v.errors.length > 0);
          for (const e of v.errors)
            assert.ok(e.field && e.message, JSON.stringify(e));
        }
      }
    });

    it('names every missing required field', () => {
      const msg = refused({});
      for (const f of ['cluster', 'newMembers', 'ssh'])
        assert.match(msg, new RegExp(`(^|; )${f}: is required`));
    });

    it('prints each error as <field path>: <message>, joined by "; "', () => {
      const r = sampleRequest();
      r.newMembers[0].name = 'Bad Name';
      r.ssh.port = 0;
      const v = validateRequest(r);
      assert.equal(v.ok, false);
      if (v.ok) return;
      assert.deepEqual(
        v.errors.map((e) => e.field),
        ['newMembers[0].name', 'ssh.port'],
      );
      assert.equal(
        formatErrors(v.errors),
        v.errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      );
    });

    for (const [label, good] of [
      ['http', sampleRequest],
      ['https', httpsRequest],
    ] as const) {
      describe(`every case of test/support/badRequests.ts (${label} sample)`, () => {
        const cases = badRequests(good());
        it('has at least 32 distinct cases that do not change the sample', () => {
          assert.ok(cases.length >= 32, `only ${cases.length}`);
          assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
          assert.equal(
            new Set(cases.map((c) => JSON.stringify(c.request))).size,
            cases.length,
            'two cases build the same request',
          );
          const g = good();
          const before = JSON.stringify(g);
          badRequests(g);
          assert.equal(
            JSON.stringify(g),
            before,
            'badRequests changed the good request',
          );
          valid(g);
        });
        for (const c of cases) {
          it(`refuses ${c.name}, naming the field`, () =>
            assert.match(refused(c.request), c.field));
        }
      });
    }
  });
});
