/**
 * Notification is the operator's (issue 17): the profile carries `notify`, a ticket's `notify` is an
 * inline setting, and a webhook on a loopback, link-local, private or shared address is refused
 * unless `notify.allowPrivateTargets` says otherwise; a malformed %-escape is a field error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorType } from '../../../../src/domain/errors';
import {
  nonPublicAddressKind,
  nonPublicHostKind,
} from '../../../../src/domain/notify/webhookTarget';
import {
  type ClusterProfile,
  validateProfile,
} from '../../../../src/domain/profile/profile';
import { resolveRequest } from '../../../../src/domain/profile/profileResolution';
import { validateRequest } from '../../../../src/domain/request/request';
import { validateSubmittedRequest } from '../../../../src/domain/request/submittedRequest';
import { sampleRequest } from '../../../support/badRequests';
import { REPO_ROOT } from '../../../support/paths';

type Req = Record<string, any>;

const HOOK = {
  webhookUrl: 'https://tickets.example.com/hooks/etcd',
  secretFile: '/etc/etcd-scaleout/webhook-secret',
};

function profileWithNotify(): ClusterProfile & Req {
  const { cluster, ssh, backup } = sampleRequest();
  return { cluster, ssh, backup, notify: HOOK };
}

function ticketRequest(): Req {
  const { cluster, newMembers, ticket } = sampleRequest();
  return { cluster: { name: cluster.name }, newMembers, ticket };
}

const lookup = (inlineSettings: 'allow' | 'deny', profile: ClusterProfile) => ({
  cluster: 'lab-24',
  file: '/etc/etcd-scaleout/profiles/lab-24.json',
  inlineSettings,
  profile,
});

describe('webhook targets', () => {
  it('names the kind of every non-public address, IPv4 and IPv6', () => {
    const cases: Array<[string, RegExp | undefined]> = [
      ['127.0.0.1', /loopback/],
      ['127.255.1.2', /loopback/],
      ['169.254.169.254', /link-local/],
      ['10.0.0.1', /private/],
      ['172.16.0.1', /private/],
      ['172.31.255.255', /private/],
      ['192.168.1.1', /private/],
      ['100.64.0.1', /CGNAT/],
      ['100.127.255.254', /CGNAT/],
      ['0.0.0.0', /this-network/],
      ['0.1.2.3', /this-network/],
      ['::', /unspecified/],
      ['::1', /loopback/],
      ['[::1]', /loopback/],
      ['fe80::1', /link-local/],
      ['febf::1', /link-local/],
      ['fc00::1', /unique local/],
      ['fd12:3456::1', /unique local/],
      ['::ffff:169.254.169.254', /link-local/],
      ['::ffff:a9fe:a9fe', /link-local/],
      ['::ffff:127.0.0.1', /loopback/],
      ['0:0:0:0:0:0:0:1', /loopback/],
      ['8.8.8.8', undefined],
      ['172.32.0.1', undefined],
      ['100.128.0.1', undefined],
      ['169.255.0.1', undefined],
      ['2001:db8::1', undefined],
      ['fec0::1', undefined],
      ['tickets.example.com', undefined],
    ];
    for (const [address, kind] of cases) {
      const got = nonPublicAddressKind(address);
      if (kind) assert.match(got ?? '(public)', kind, address);
      else assert.equal(got, undefined, address);
    }
    assert.equal(nonPublicHostKind('localhost'), 'loopback');
    assert.equal(nonPublicHostKind('api.localhost.'), 'loopback');
  });

  it('refuses the metadata address, loopback and private ranges in a request, naming notify.webhookUrl, unless allowed', () => {
    for (const webhookUrl of [
      'http://169.254.169.254/latest/meta-data',
      'http://127.0.0.1:8080/hook',
      'http://2130706433/hook', // 127.0.0.1 as one number: the URL parser normalises it
      'http://0x7f.1/hook',
      'http://localhost:9/hook',
      'http://[::1]:8080/hook',
      'http://[fe80::1]/hook',
      'http://10.0.0.5/hook',
      'http://100.100.100.200/hook',
      'http://0.0.0.0:8080/hook',
      'http://[::]/hook',
    ]) {
      const r = sampleRequest();
      r.notify = { webhookUrl };
      const v = validateRequest(r);
      assert.equal(v.ok, false, webhookUrl);
      if (v.ok) continue;
      assert.deepEqual(
        v.errors.map((e) => e.field),
        ['notify.webhookUrl'],
        webhookUrl,
      );
      assert.match(v.errors[0].message, /notify\.allowPrivateTargets: true/);
      r.notify.allowPrivateTargets = true;
      assert.ok(validateRequest(r).ok, `${webhookUrl}, allowed explicitly`);
    }
    const pub = sampleRequest();
    pub.notify = { webhookUrl: 'https://tickets.example.com/hook' };
    const v = validateRequest(pub);
    assert.ok(v.ok);
    if (v.ok) assert.equal(v.request.notify?.allowPrivateTargets, false);
  });

  it('a malformed %-escape is a field error, never a thrown URIError, at every entry point', () => {
    for (const webhookUrl of [
      'https://tickets.example.com/hook/%zz',
      'https://tickets.example.com/%E0%A4%A',
      'https://tickets.example.com/%',
    ]) {
      const r = sampleRequest();
      r.notify = { webhookUrl };
      const v = validateRequest(r);
      assert.ok(!v.ok, webhookUrl);
      if (!v.ok) {
        assert.equal(v.errors[0].field, 'notify.webhookUrl');
        assert.match(v.errors[0].message, /malformed %-escape/);
      }
      const t = ticketRequest();
      t.notify = { webhookUrl };
      const s = validateSubmittedRequest(t);
      assert.ok(!s.ok && s.errors[0].field === 'notify.webhookUrl');
      const p = profileWithNotify();
      p.notify = { webhookUrl };
      const pv = validateProfile(p, 'lab-24');
      assert.ok(!pv.ok && pv.errors[0].field === 'notify.webhookUrl');
    }
  });
});

describe('notify from the profile', () => {
  it("a ticket's run uses the profile's notify", () => {
    const profile = validateProfile(profileWithNotify(), 'lab-24');
    assert.ok(profile.ok, JSON.stringify(profile));
    const r = resolveRequest(
      ticketRequest(),
      lookup('deny', profileWithNotify()),
    );
    assert.ok(r.ok, JSON.stringify(r));
    if (r.ok)
      assert.deepEqual(r.request.notify, {
        ...HOOK,
        allowPrivateTargets: false,
      });
  });

  it("refuses a ticket's own notify on a worker that refuses inline settings, naming each field", () => {
    const t = ticketRequest();
    t.notify = {
      webhookUrl: 'https://elsewhere.example.net/hook',
      secretFile: '/etc/etcd-scaleout/webhook-secret',
    };
    for (const profile of [
      profileWithNotify(),
      { ...profileWithNotify(), notify: undefined },
    ]) {
      const r = resolveRequest(t, lookup('deny', profile));
      assert.equal(r.ok, false);
      if (r.ok) continue;
      assert.equal(r.type, ErrorType.InlineSettingRefused);
      assert.deepEqual(r.errors.map((e) => e.field).sort(), [
        'notify.secretFile',
        'notify.webhookUrl',
      ]);
    }
  });

  it('a profile may allow private targets; its own loopback target is refused otherwise', () => {
    const p = profileWithNotify();
    p.notify = { webhookUrl: 'http://127.0.0.1:18090/hook' };
    const refused = validateProfile(p, 'lab-24');
    assert.ok(!refused.ok && refused.errors[0].field === 'notify.webhookUrl');
    p.notify.allowPrivateTargets = true;
    assert.ok(validateProfile(p, 'lab-24').ok);
    const r = resolveRequest(ticketRequest(), lookup('deny', p));
    assert.ok(r.ok && r.request.notify?.allowPrivateTargets === true);
  });

  it('the example profile carries notify, and the example ticket resolves with it', () => {
    const examples = join(REPO_ROOT, 'examples');
    const read = (file: string) =>
      JSON.parse(readFileSync(join(examples, file), 'utf8'));
    const profile = read('profiles/prod-etcd.json');
    assert.ok(profile.notify?.webhookUrl);
    const r = resolveRequest(read('ticket-request.json'), {
      cluster: 'prod-etcd',
      file: '/etc/etcd-scaleout/profiles/prod-etcd.json',
      inlineSettings: 'deny',
      profile,
    });
    assert.ok(r.ok, JSON.stringify(r));
    if (r.ok)
      assert.equal(r.request.notify?.webhookUrl, profile.notify.webhookUrl);
  });
});
