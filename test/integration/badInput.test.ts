/**
 * Bad input, through the real workflow: each request is refused in the validate phase with a message
 * naming the field, and the cluster's membership and data are unchanged afterwards.
 */
import assert from 'node:assert/strict';
import { Lab } from '../../src/lab';
import { getStack } from '../support/stack';
import { outcome, startRaw } from '../support/runs';

type Req = Record<string, any>;
const clone = (r: Req): Req => JSON.parse(JSON.stringify(r));

export function badRequests(good: Req): Array<{ name: string; field: RegExp; request: unknown }> {
  const cases: Array<{ name: string; field: RegExp; edit: (r: Req) => unknown }> = [
    { name: 'not an object', field: /\(request\): must be a JSON object/, edit: () => ['etcd4'] },
    { name: 'empty member list', field: /newMembers: must list at least one new member/, edit: (r) => ((r.newMembers = []), r) },
    { name: 'missing cluster', field: /cluster: /, edit: (r) => (delete r.cluster, r) },
    { name: 'duplicate names', field: /newMembers\[1\]\.name: duplicates newMembers\[0\]\.name/, edit: (r) => ((r.newMembers[1].name = r.newMembers[0].name), r) },
    { name: 'duplicate peer URLs', field: /newMembers\[1\]\.peerURL: duplicates/, edit: (r) => ((r.newMembers[1] = { ...r.newMembers[1], host: r.newMembers[0].host, peerURL: r.newMembers[0].peerURL }), r) },
    { name: 'non-URL endpoint', field: /cluster\.endpoints\[0\]: must use http or https, got "etcd1:2379"/, edit: (r) => ((r.cluster.endpoints[0] = 'etcd1:2379'), r) },
    { name: 'not a URL at all', field: /cluster\.endpoints\[1\]: must be a URL like https:\/\/10\.0\.0\.14:2379/, edit: (r) => ((r.cluster.endpoints[1] = 'not a url'), r) },
    { name: 'relative key path', field: /ssh\.privateKeyFile: must be an absolute path/, edit: (r) => ((r.ssh.privateKeyFile = 'id_ed25519'), r) },
    { name: 'path traversal', field: /node\.dataDir: must not contain "\." or "\.\." segments/, edit: (r) => ((r.node = { dataDir: '/var/lib/../../etc' }), r) },
    { name: 'shell metacharacters in a name', field: /newMembers\[0\]\.name: must be 1-63 lowercase/, edit: (r) => ((r.newMembers[0].name = 'etcd4;rm -rf /'), r) },
    { name: 'absurd canary count', field: /strategy\.canary: must be at most 9/, edit: (r) => ((r.strategy.canary = 1000), r) },
    { name: 'unknown field', field: /strategy: unknown field\(s\): rollbak/, edit: (r) => ((r.strategy.rollbak = 'all'), r) },
    { name: 'wrong type', field: /ssh\.port: must be a port number/, edit: (r) => ((r.ssh.port = '22'), r) },
    { name: 'http endpoints with TLS files', field: /cluster\.tls: TLS files were given but the endpoints use http/, edit: (r) => ((r.cluster.tls = { caFile: '/etc/ssl/etcd/ssl/ca.pem' }), r) },
    { name: 'URL with a path', field: /newMembers\[0\]\.clientURL: must be scheme:\/\/host:port/, edit: (r) => ((r.newMembers[0].clientURL += '/v3'), r) },
    { name: 'peer URL on another host', field: /newMembers\[0\]\.peerURL: host .* differs from newMembers\[0\]\.host/, edit: (r) => ((r.newMembers[0].peerURL = 'http://127.0.0.99:2380'), r) },
    { name: 'bad rollback mode', field: /strategy\.rollback: must be "all" or "none"/, edit: (r) => ((r.strategy.rollback = 'some'), r) },
  ];
  return cases.map((c) => ({ name: c.name, field: c.field, request: c.edit(clone(good)) }));
}

describe('bad input through the workflow', function () {
  const lab = new Lab({ block: 24 });
  after(() => lab.stop());

  it('refuses every malformed request in validate, naming the field, and changes nothing', async () => {
    await Promise.all([getStack(), lab.start()]);
    const keys = await lab.seedKeys(20);
    const cases = badRequests(lab.request() as Req);
    assert.ok(cases.length >= 10);
    const outcomes = await Promise.all(cases.map(async (c) => ({ c, o: await outcome(await startRaw(c.request)) })));
    for (const { c, o } of outcomes) {
      assert.equal(o.ok, false, `${c.name}: was accepted`);
      if (o.ok) continue;
      assert.equal(o.failure.type, 'InvalidRequest', `${c.name}: ${o.message}`);
      assert.equal(o.failure.nonRetryable, true);
      assert.match(o.message, c.field, c.name);
    }
    console.log(`      ${outcomes.length} malformed requests refused`);
    assert.deepEqual(await lab.checkInvariants({ members: ['etcd1', 'etcd2', 'etcd3'], keys }), []);
  });
});
