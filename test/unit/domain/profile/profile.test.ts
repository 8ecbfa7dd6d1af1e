/**
 * Cluster profiles: the profile's rules, the request resolved over it, the worker's inline setting,
 * what entry points accept before the worker resolves, and reading a profile file on the worker.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  profileSettingsFromEnv,
  readClusterProfile,
} from '../../../../src/activities/profiles';
import { ErrorType } from '../../../../src/domain/errors';
import {
  type ClusterProfile,
  validateProfile,
} from '../../../../src/domain/profile/profile';
import {
  type ProfileLookup,
  resolveRequest,
} from '../../../../src/domain/profile/profileResolution';
import { validateSubmittedRequest } from '../../../../src/domain/request/submittedRequest';
import { sampleRequest } from '../../../support/badRequests';
import { REPO_ROOT } from '../../../support/paths';

type Req = Record<string, any>;

/** The sample request's cluster settings, as a profile. */
function sampleProfile(): ClusterProfile & Req {
  const { cluster, ssh, backup } = sampleRequest();
  return { cluster, ssh, backup, strategy: { approvers: ['alice', 'bob'] } };
}

/** A ticket's request: the cluster's name, the new members, the ticket. */
function ticketRequest(): Req {
  const { cluster, newMembers, ticket } = sampleRequest();
  return { cluster: { name: cluster.name }, newMembers, ticket };
}

const lookup = (
  inlineSettings: 'allow' | 'deny',
  profile: ClusterProfile | null = sampleProfile(),
): ProfileLookup => ({
  cluster: 'lab-24',
  file: '/etc/etcd-scaleout/profiles/lab-24.json',
  inlineSettings,
  ...(profile ? { profile } : {}),
});

const fieldsOf = (r: ReturnType<typeof resolveRequest>) =>
  r.ok ? [] : r.errors.map((e) => e.field);

describe('cluster profile', () => {
  it('accepts a profile with the request sections it may hold', () => {
    const v = validateProfile(sampleProfile(), 'lab-24');
    assert.ok(v.ok, JSON.stringify(v));
  });

  it("refuses the issue's examples: /etc/sudoers, poweroff.target, /etc and / (the request's own patterns)", () => {
    const p = sampleProfile();
    p.node = {
      envFile: '/etc/sudoers',
      service: 'poweroff.target',
      dataDir: '/etc',
    };
    p.backup = { dir: '/' };
    const v = validateProfile(p, 'lab-24');
    assert.equal(v.ok, false);
    if (v.ok) return;
    assert.deepEqual(v.errors.map((e) => e.field).sort(), [
      'backup.dir',
      'node.dataDir',
      'node.envFile',
      'node.service',
    ]);
    assert.match(
      v.errors.find((e) => e.field === 'node.service')?.message ?? '',
      /systemd service named like etcd/,
    );
  });

  it('must name the cluster its file is named after, and holds no other field', () => {
    const wrong = validateProfile(sampleProfile(), 'prod');
    assert.ok(!wrong.ok && wrong.errors[0].field === 'cluster.name');
    assert.match(
      wrong.ok ? '' : wrong.errors[0].message,
      /is "lab-24", but the file is the profile of cluster "prod" \(prod\.json\)/,
    );
    const extra = validateProfile(
      { ...sampleProfile(), newMembers: [] },
      'lab-24',
    );
    assert.ok(
      !extra.ok &&
        /unknown field\(s\): newMembers/.test(extra.errors[0].message),
    );
    assert.ok(!validateProfile([], 'lab-24').ok);
  });
});

describe('a request resolved over its profile', () => {
  it("a ticket's request gets the profile's endpoints, SSH, backup folder, approvers and the nodes' defaults", () => {
    const r = resolveRequest(ticketRequest(), lookup('deny'));
    assert.ok(r.ok, JSON.stringify(r));
    if (!r.ok) return;
    assert.deepEqual(
      r.request.cluster.endpoints,
      sampleRequest().cluster.endpoints,
    );
    assert.equal(r.request.ssh.port, 2222);
    assert.deepEqual(r.request.strategy.approvers, ['alice', 'bob']);
    assert.equal(r.request.node.service, 'etcd');
    assert.equal(r.request.node.envFile, '/etc/etcd.env');
    assert.equal(r.request.backup.dir, sampleRequest().backup.dir);
    assert.equal(r.profileFile, '/etc/etcd-scaleout/profiles/lab-24.json');
    assert.deepEqual(r.overrides, []);
  });

  it('deny: a request setting what the profile owns is refused, naming each field', () => {
    const req = ticketRequest();
    req.node = { service: 'etcd.service' };
    req.cluster.endpoints = ['http://127.0.24.11:2379'];
    req.ssh = { user: 'admin' };
    req.strategy = { approvers: ['mallory'], canary: 2 };
    const r = resolveRequest(req, lookup('deny'));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.type, ErrorType.InlineSettingRefused);
    assert.deepEqual(fieldsOf(r), [
      'cluster.endpoints',
      'ssh.user',
      'node.service',
      'strategy.approvers',
      'strategy.canary',
    ]);
    assert.match(
      r.errors[0].message,
      /is set by the profile of cluster lab-24 on the worker \(\/etc\/etcd-scaleout\/profiles\/lab-24\.json\), and the worker refuses inline settings \(ETCD_SCALEOUT_INLINE_SETTINGS=deny\): leave it out of the request/,
    );
  });

  it('deny: a ticket sets nothing but cluster.name, newMembers and ticket; a strategy setting the profile leaves unset is refused too (certificates "issue")', () => {
    const req = ticketRequest();
    req.strategy = { certificates: 'issue', canary: 2 };
    req.notify = { webhookUrl: 'http://169.254.169.254/latest' };
    const r = resolveRequest(req, lookup('deny'));
    assert.equal(r.ok, false, 'a ticket may not choose the strategy');
    if (r.ok) return;
    assert.equal(r.type, ErrorType.InlineSettingRefused);
    assert.deepEqual(fieldsOf(r), [
      'strategy.certificates',
      'strategy.canary',
      'notify.webhookUrl',
    ]);
    assert.match(
      r.errors[0].message,
      /is not a ticket's to set: the profile of cluster lab-24 on the worker \(\/etc\/etcd-scaleout\/profiles\/lab-24\.json\) leaves it at its default, a ticket names only cluster\.name, newMembers and ticket, and the worker refuses inline settings \(ETCD_SCALEOUT_INLINE_SETTINGS=deny\)/,
    );
    // The profile's own values and documented defaults are what the run uses.
    const plain = resolveRequest(ticketRequest(), lookup('deny'));
    assert.ok(plain.ok, JSON.stringify(plain));
    if (plain.ok) {
      assert.equal(plain.request.strategy.certificates, 'check');
      assert.equal(plain.request.strategy.canary, 1);
      assert.equal(plain.request.notify, undefined);
    }
  });

  it("allow: the request's own values win, held to the same tight patterns", () => {
    const req = ticketRequest();
    req.node = { service: 'etcd-main.service' };
    const r = resolveRequest(req, lookup('allow'));
    assert.ok(r.ok, JSON.stringify(r));
    if (r.ok) {
      assert.equal(r.request.node.service, 'etcd-main.service');
      assert.deepEqual(r.overrides, ['node.service']);
    }
    for (const [section, value, field] of [
      ['node', { service: 'poweroff.target' }, 'node.service'],
      ['node', { envFile: '/etc/sudoers' }, 'node.envFile'],
      ['node', { dataDir: '/etc' }, 'node.dataDir'],
      ['backup', { dir: '/' }, 'backup.dir'],
    ] as const) {
      const bad = { ...ticketRequest(), [section]: value };
      const refused = resolveRequest(bad, lookup('allow'));
      assert.equal(refused.ok, false, field);
      if (!refused.ok) {
        assert.equal(refused.type, ErrorType.InvalidRequest);
        assert.deepEqual(fieldsOf(refused), [field]);
      }
    }
  });

  it('no profile: refused when the worker denies inline settings; a whole request when it allows them', () => {
    const missing = resolveRequest(sampleRequest(), lookup('deny', null));
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.equal(missing.type, ErrorType.ProfileMissing);
      assert.deepEqual(fieldsOf(missing), ['cluster.name']);
      assert.match(
        missing.errors[0].message,
        /cluster "lab-24" has no profile on the worker \(\/etc\/etcd-scaleout\/profiles\/lab-24\.json\)/,
      );
    }
    const whole = resolveRequest(sampleRequest(), lookup('allow', null));
    assert.ok(whole.ok && whole.profileFile === undefined);
    const partial = resolveRequest(ticketRequest(), lookup('allow', null));
    assert.equal(partial.ok, false);
    assert.ok(fieldsOf(partial).includes('ssh'));
    assert.ok(fieldsOf(partial).includes('cluster.endpoints'));
  });
});

describe('the examples', () => {
  it('examples/ticket-request.json resolves over examples/profiles/prod-etcd.json on a worker that refuses inline settings', () => {
    const examples = join(REPO_ROOT, 'examples');
    const read = (file: string) =>
      JSON.parse(readFileSync(join(examples, file), 'utf8'));
    const profile = validateProfile(
      read('profiles/prod-etcd.json'),
      'prod-etcd',
    );
    assert.ok(profile.ok, JSON.stringify(profile));
    const r = resolveRequest(read('ticket-request.json'), {
      cluster: 'prod-etcd',
      file: '/etc/etcd-scaleout/profiles/prod-etcd.json',
      inlineSettings: 'deny',
      profile: profile.profile,
    });
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(validateSubmittedRequest(read('request.json')).ok);
  });
});

describe('a request as an entry point sees it', () => {
  it("a ticket's request is accepted as one for the worker's profile; each given field is still checked", () => {
    const v = validateSubmittedRequest(ticketRequest());
    assert.ok(v.ok && v.kind === 'profile', JSON.stringify(v));
    const bad = ticketRequest();
    bad.newMembers[0].name = 'etcd4;reboot';
    bad.node = { service: 'poweroff.target' };
    const refused = validateSubmittedRequest(bad);
    assert.ok(!refused.ok);
    if (!refused.ok)
      assert.deepEqual(refused.errors.map((e) => e.field).sort(), [
        'newMembers[0].name',
        'node.service',
      ]);
  });

  it('a request carrying endpoints or ssh is validated whole', () => {
    const whole = validateSubmittedRequest(sampleRequest());
    assert.ok(whole.ok && whole.kind === 'inline');
    const half = ticketRequest();
    half.cluster.endpoints = ['http://127.0.24.11:2379'];
    const v = validateSubmittedRequest(half);
    assert.ok(!v.ok && v.errors.some((e) => e.field === 'ssh'));
  });
});

describe("the worker's profile settings and files", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-profiles-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('default to /etc/etcd-scaleout/profiles and deny; a bad value names the variable', () => {
    assert.deepEqual(profileSettingsFromEnv({}), {
      dir: '/etc/etcd-scaleout/profiles',
      inlineSettings: 'deny',
    });
    assert.deepEqual(
      profileSettingsFromEnv({
        ETCD_SCALEOUT_PROFILES_DIR: '/srv/profiles',
        ETCD_SCALEOUT_INLINE_SETTINGS: 'allow',
      }),
      { dir: '/srv/profiles', inlineSettings: 'allow' },
    );
    assert.throws(
      () => profileSettingsFromEnv({ ETCD_SCALEOUT_INLINE_SETTINGS: 'yes' }),
      /ETCD_SCALEOUT_INLINE_SETTINGS must be "allow" or "deny", got "yes"/,
    );
    assert.throws(
      () => profileSettingsFromEnv({ ETCD_SCALEOUT_PROFILES_DIR: 'profiles' }),
      /ETCD_SCALEOUT_PROFILES_DIR must be an absolute path/,
    );
  });

  it('reads <dir>/<cluster>.json: none when absent, ProfileInvalid naming the file and the field when bad', async () => {
    const settings = { dir, inlineSettings: 'deny' as const };
    const none = await readClusterProfile(settings, 'lab-24');
    assert.equal(none.profile, undefined);
    assert.equal(none.file, join(dir, 'lab-24.json'));

    writeFileSync(join(dir, 'lab-24.json'), JSON.stringify(sampleProfile()));
    const found = await readClusterProfile(settings, 'lab-24');
    assert.deepEqual(found.profile, sampleProfile());

    const refused = async (content: string, pattern: RegExp) => {
      writeFileSync(join(dir, 'lab-25.json'), content);
      await assert.rejects(readClusterProfile(settings, 'lab-25'), (err) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, ErrorType.ProfileInvalid);
        assert.equal(err.nonRetryable, true);
        assert.match(err.message, pattern);
        return true;
      });
    };
    await refused('{', /lab-25\.json\) is not valid JSON/);
    await refused(
      JSON.stringify(sampleProfile()),
      /lab-25\.json\) is invalid: cluster\.name: is "lab-24"/,
    );
    await assert.rejects(
      readClusterProfile(settings, '../lab-24'),
      /cannot name a profile file/,
    );
  });
});
