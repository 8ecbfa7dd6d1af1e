/**
 * Where new members may be: cluster.newMemberNetworks, and the loopback, unspecified and link-local
 * addresses refused unless a listed network lies inside them (src/domain/request/newMemberPlaces.ts,
 * networks.ts), through the request's own validation and over a profile.
 */
import assert from 'node:assert/strict';
import { ErrorType } from '../../../../src/domain/errors';
import { resolveRequest } from '../../../../src/domain/profile/profileResolution';
import {
  formatIp,
  ipAddressOf,
  parseNetwork,
} from '../../../../src/domain/request/networks';
import {
  formatErrors,
  validateRequest,
} from '../../../../src/domain/request/request';
import { sampleRequest } from '../../../support/badRequests';
import { type Req, valid } from '../../../support/request';

/** The sample request (block 24) with its new members moved to `hosts`, and the networks given. */
function placed(hosts: string[], networks?: string[]): Req {
  const r = sampleRequest();
  if (networks) r.cluster.newMemberNetworks = networks;
  else delete r.cluster.newMemberNetworks;
  r.newMembers = hosts.map((host, i) => ({
    name: `etcd${4 + i}`,
    host,
    peerURL: `http://${host}:2380`,
    clientURL: `http://${host}:2379`,
  }));
  return r;
}

const errorsOf = (raw: unknown) => {
  const v = validateRequest(raw);
  return v.ok ? [] : v.errors;
};

describe('where new members may be', () => {
  it('refuses loopback, unspecified and link-local hosts when no network lists them, naming the field', () => {
    for (const [host, what] of [
      ['127.0.0.1', /127\.0\.0\.1 is a loopback address/],
      ['127.0.24.14', /127\.0\.24\.14 is a loopback address/],
      ['0.0.0.0', /0\.0\.0\.0 is the unspecified address/],
      [
        '169.254.169.254',
        /169\.254\.169\.254 is a link-local address \(the cloud metadata service/,
      ],
      ['localhost', /localhost is the loopback/],
    ] as const) {
      const r = placed([host]);
      // A name in a URL needs an IP to bind to.
      if (host === 'localhost') r.newMembers[0].listenAddress = '10.0.0.14';
      const errors = errorsOf(r);
      assert.deepEqual(
        errors.map((e) => e.field),
        ['newMembers[0].host'],
        `${host}: ${formatErrors(errors)}`,
      );
      assert.match(errors[0].message, what);
    }
  });

  it('numeric spellings of the loopback count as the loopback (127.1, 0x7f000001, 2130706433), and are refused', () => {
    for (const host of ['127.1', '0x7f000001', '2130706433']) {
      assert.equal(formatIp(ipAddressOf(host)!), '127.0.0.1', host);
      assert.ok(errorsOf(placed([host])).length > 0, host);
    }
  });

  it('a listen address on 0.0.0.0 or the loopback is refused too, and IPv6 URL hosts are checked', () => {
    const r = placed(['10.0.0.14']);
    r.newMembers[0].listenAddress = '0.0.0.0';
    assert.deepEqual(
      errorsOf(r).map((e) => e.field),
      ['newMembers[0].listenAddress'],
    );
    assert.equal(formatIp(ipAddressOf('[::ffff:127.0.0.1]')!), '127.0.0.1');
    assert.equal(ipAddressOf('[fe80::1]')?.family, 6);
    assert.equal(ipAddressOf('etcd4.example'), undefined);
  });

  it('accepts a loopback host only when a listed network lies inside the loopback (the lab), not 0.0.0.0/0', () => {
    valid(placed(['127.0.24.14', '127.0.24.15'], ['127.0.24.0/24']));
    const wide = errorsOf(placed(['127.0.24.14'], ['0.0.0.0/0']));
    assert.deepEqual(
      wide.map((e) => e.field),
      ['newMembers[0].host'],
    );
    assert.match(
      wide[0].message,
      /a new member is there only if cluster\.newMemberNetworks lists a network inside 127\.0\.0\.0\/8 that contains it/,
    );
  });

  it('with networks set, every new member is inside them and named by IP address', () => {
    valid(placed(['10.3.0.14'], ['10.3.0.0/24']));
    const outside = errorsOf(
      placed(['10.3.0.14', '10.4.0.15'], ['10.3.0.0/24']),
    );
    assert.deepEqual(
      outside.map((e) => e.field),
      ['newMembers[1].host'],
    );
    assert.match(
      outside[0].message,
      /10\.4\.0\.15 is outside cluster\.newMemberNetworks \(10\.3\.0\.0\/24\)/,
    );
    const named = placed(['10.3.0.14'], ['10.3.0.0/24']);
    named.newMembers[0].host = 'etcd4.example';
    named.newMembers[0].peerURL = 'http://etcd4.example:2380';
    named.newMembers[0].clientURL = 'http://etcd4.example:2379';
    named.newMembers[0].listenAddress = '10.3.0.14';
    const byName = errorsOf(named);
    assert.deepEqual(
      byName.map((e) => e.field),
      ['newMembers[0].host'],
    );
    assert.match(
      byName[0].message,
      /etcd4\.example is a name, but cluster\.newMemberNetworks is set: give the IP address/,
    );
    // Without networks, a name is taken as known_hosts has it (the host key is checked over SSH).
    delete named.cluster.newMemberNetworks;
    valid(named);
  });

  it('a network is a CIDR with no host bits, named in the error', () => {
    assert.ok(parseNetwork('fd00:3::/64').ok);
    for (const [text, problem] of [
      ['10.3.0.5/24', /has host bits set: the network is 10\.3\.0\.0\/24/],
      ['10.3.0.0', /must be a network like "10\.3\.0\.0\/24"/],
      ['10.3.0.0/33', /prefix \/33 longer than an IPv4 address/],
      ['example/8', /has no IP address before "\/"/],
    ] as const) {
      const errors = errorsOf(placed(['10.3.0.14'], [text]));
      assert.deepEqual(
        errors.map((e) => e.field),
        ['cluster.newMemberNetworks[0]'],
        text,
      );
      assert.match(errors[0].message, problem);
    }
  });

  it("the profile's networks hold a ticket's new members; a deny-mode ticket cannot widen them", () => {
    const profile = {
      cluster: {
        name: 'lab-24',
        endpoints: sampleRequest().cluster.endpoints,
        newMemberNetworks: ['127.0.24.0/24'],
      },
      ssh: sampleRequest().ssh,
    };
    const lookup = (inlineSettings: 'allow' | 'deny') => ({
      cluster: 'lab-24',
      file: '/etc/etcd-scaleout/profiles/lab-24.json',
      inlineSettings,
      profile,
    });
    const ticket = (host: string) => {
      const { newMembers } = placed([host]);
      return { cluster: { name: 'lab-24' }, newMembers };
    };
    assert.ok(resolveRequest(ticket('127.0.24.14'), lookup('deny')).ok);
    const elsewhere = resolveRequest(ticket('127.0.0.1'), lookup('deny'));
    assert.ok(!elsewhere.ok && elsewhere.type === ErrorType.InvalidRequest);
    if (!elsewhere.ok)
      assert.deepEqual(
        elsewhere.errors.map((e) => e.field),
        ['newMembers[0].host'],
      );
    const widened = resolveRequest(
      {
        ...ticket('127.0.0.1'),
        cluster: { name: 'lab-24', newMemberNetworks: ['127.0.0.0/8'] },
      },
      lookup('deny'),
    );
    assert.ok(
      !widened.ok && widened.type === ErrorType.InlineSettingRefused,
      JSON.stringify(widened),
    );
    // Allowed inline, like any other setting.
    assert.ok(
      resolveRequest(
        {
          ...ticket('127.0.0.1'),
          cluster: { name: 'lab-24', newMemberNetworks: ['127.0.0.0/8'] },
        },
        lookup('allow'),
      ).ok,
    );
  });
});
