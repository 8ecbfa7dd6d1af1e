/**
 * The version matrix: every etcd of lab/etcd-versions (Debian's 3.4.23, and 3.5, 3.6, 3.7 built from
 * the Go modules), each short: 3 -> 5 over plain http, one rollback, and on one Kubespray-shaped
 * mutual-TLS lab the three workflows in turn: 3 -> 5, a scale-in back to 3 (etcd4, made the leader
 * by hand, and etcd5 removed), then a replacement on the down path (etcd2 SIGKILLed, removed,
 * etcd4's host joined again in its place: its data dir was moved aside by the scale-in). The cluster
 * members and the new hosts run the same version. ETCD_MATRIX=3.6.14,3.7.3 runs some versions only.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:net';
import type { Lab } from '../../lab';
import { assertInvariants } from '../support/invariants';
import { matrixVersions, recordTiming, timings, useLab } from '../support/labs';
import {
  assertEnvFiles,
  dataDirEntries,
  hostNamed,
  liveMembers,
  moveLeadershipTo,
  nodeOf,
  replaceRequest,
  runReplace,
} from '../support/replace';
import {
  outcome,
  runScaleIn,
  scaleInRequest,
  startRaw,
  takePeerPortOnce,
} from '../support/runs';
import { getStack } from '../support/stack';

const ORIGINAL = ['etcd1', 'etcd2', 'etcd3'];
const GROWN = [...ORIGINAL, 'etcd4', 'etcd5'];
const REPLACED = ['etcd1', 'etcd3', 'etcd4'];

/** The keys a lab was seeded with, for the invariants of the runs that follow on it. */
const seeded = new Map<Lab, Record<string, string>>();

async function scaleOutGrows(lab: Lab, what: string): Promise<void> {
  const keys = await lab.seedKeys(20);
  seeded.set(lab, keys);
  const started = Date.now();
  const o = await outcome(await startRaw(lab.request()));
  if (!o.ok) assert.fail(`${what}: ${o.message}`);
  recordTiming(what, started);
  assert.deepEqual(o.result.membersAfter.map((m) => m.name).sort(), GROWN);
  assert.ok(
    o.result.etcdServers.every((u) => u.startsWith(`${lab.scheme}://`)),
  );
  assert.ok(o.result.membersAfter.every((m) => !m.isLearner));
  await assertInvariants(lab, { members: GROWN, keys });
}

function keysOf(lab: Lab): Record<string, string> {
  const keys = seeded.get(lab);
  if (!keys) assert.fail('the 3 -> 5 before it did not run on this lab');
  return keys;
}

/**
 * 5 -> 3: etcd4 and etcd5 (the scale-out's) removed one at a time, retired, the others' env files
 * reduced. etcd4 leads first (moved there by hand), so each version's MoveLeader is part of it.
 */
async function scaleInShrinks(lab: Lab, what: string): Promise<void> {
  const keys = keysOf(lab);
  await moveLeadershipTo(lab, 'etcd4');
  const started = Date.now();
  const o = await runScaleIn(scaleInRequest(lab, ['etcd4', 'etcd5']));
  if (!o.ok) assert.fail(`${what}: ${o.failure.type}: ${o.message}`);
  recordTiming(what, started);
  const r = o.result;
  assert.deepEqual([r.from, r.to], [5, 3]);
  assert.deepEqual([...r.membersAfter].sort(), ORIGINAL);
  assert.deepEqual(
    r.removed.map((x) => [x.member, x.removed, x.serviceStopped]),
    [
      ['etcd4', true, true],
      ['etcd5', true, true],
    ],
  );
  assert.equal(
    r.removed[0].leadership?.from,
    'etcd4',
    JSON.stringify(r.removed[0]),
  );
  assert.ok(
    ['etcd1', 'etcd2', 'etcd3', 'etcd5'].includes(
      r.removed[0].leadership?.to ?? '',
    ),
    JSON.stringify(r.removed[0]),
  );
  assert.deepEqual(r.leftByHand, []);
  for (const name of ['etcd4', 'etcd5'])
    assert.ok(
      dataDirEntries(nodeOf(lab, name)).some((e) =>
        e.startsWith('member.quarantined-removed-'),
      ),
      `${name}'s data dir moved aside: ${dataDirEntries(nodeOf(lab, name))}`,
    );
  await assertEnvFiles(lab);
  await assertInvariants(lab, { members: ORIGINAL, keys });
}

/**
 * The member-add rule of each release in the matrix: every voter connected in 3.4 (and up to 3.5.29 /
 * 3.6.10), a quorum of the cluster the add makes in 3.5.33, 3.6.14 and 3.7 (docs/etcd-behaviour.md).
 */
const addNeeds = (version: string) =>
  version.startsWith('3.4.')
    ? `etcd ${version} refuses a member add unless all 3 are healthy and connected`
    : 'etcd refuses a member add unless 3 (the quorum of 4) are healthy and connected';

/**
 * etcd2 SIGKILLed. First a healthy member's replacement is refused in preflight by the add rule of
 * the version the members report (the new member would join 3 voters of which 2 healthy), nothing
 * changed; then the down path: etcd2 out of the lists, removed by ID, etcd4's host joined in its place.
 */
async function replacesDownMember(
  lab: Lab,
  version: string,
  what: string,
): Promise<void> {
  const keys = keysOf(lab);
  const before = await liveMembers(lab);
  const etcd2 = before.find((m) => m.name === 'etcd2');
  assert.ok(etcd2, 'etcd2 is a member');
  await lab.cluster.crashMember('etcd2');
  const etcd4 = hostNamed(lab, 'etcd4');
  const refused = await runReplace(await replaceRequest(lab, 'etcd3', etcd4));
  if (refused.ok) assert.fail('replacing etcd3 while etcd2 is down completed');
  assert.equal(refused.failure.type, 'PreflightFailed', refused.message);
  assert.ok(
    refused.message.includes(
      `the new member would join 3 voters of which 2 healthy, and ${addNeeds(version)}`,
    ),
    refused.message,
  );
  assert.deepEqual(await liveMembers(lab), before, 'no member changed');
  const request = await replaceRequest(lab, 'etcd2', etcd4);
  const started = Date.now();
  const o = await runReplace(request);
  if (!o.ok) assert.fail(`${what}: ${o.failure.type}: ${o.message}`);
  recordTiming(what, started);
  const r = o.result;
  assert.equal(r.path, 'down');
  assert.deepEqual(r.replaced, { name: 'etcd2', id: etcd2.id });
  assert.equal(r.newMember, 'etcd4');
  assert.deepEqual([...r.membersAfter].sort(), REPLACED);
  assert.equal(r.removal?.removed, true, JSON.stringify(r.removal));
  assert.deepEqual(r.leftByHand, []);
  assert.deepEqual(
    [...r.etcdServers].sort(),
    (await liveMembers(lab)).flatMap((m) => m.clientURLs).sort(),
    "the apiservers' list is the members' client URLs",
  );
  await assertEnvFiles(lab);
  await assertInvariants(lab, { members: REPLACED, keys });
}

describe('etcd version matrix on the real stack', () => {
  before(async () => {
    await getStack();
  });
  after(() => {
    if (timings.length)
      console.log(
        `\n      version matrix, 3 -> 5, rollback, scale-in and replacement times:\n${timings.map((t) => `        ${t.what.padEnd(40)} ${t.seconds.toFixed(1)}s`).join('\n')}`,
      );
  });

  matrixVersions().forEach((version, i) => {
    const block = 110 + 3 * i;

    describe(`etcd ${version}`, () => {
      describe('3 -> 5 over http', () => {
        const lab = useLab({ block, etcdVersion: version });
        it('adds both members as voters and keeps the data', async () => {
          await scaleOutGrows(lab(), `${version} http 3 -> 5`);
        });
      });

      describe('rollback over http', () => {
        const lab = useLab({ block: block + 1, etcdVersion: version });
        let blocker: Server | undefined;
        after(() => blocker?.close());
        it('undoes the canary when the second member cannot start, leaving the 3 members healthy', async () => {
          const keys = await lab().seedKeys(20);
          const envBefore = lab().hosts.map((h) => h.envFile());
          const started = Date.now();
          const handle = await startRaw(lab().request());
          blocker = await takePeerPortOnce(handle, lab().hosts[1]);
          const o = await outcome(handle);
          if (o.ok) assert.fail('the run should have rolled back');
          recordTiming(`${version} http rollback`, started);
          assert.equal(o.failure.type, 'ScaleOutFailed');
          assert.match(o.message, /failed in batch \(etcd5: startService\)/);
          assert.match(
            o.message,
            /undone: .*removed member etcd5.*removed member etcd4/,
          );
          assert.deepEqual(o.details.notUndone, []);
          assert.deepEqual(
            lab().hosts.map((h) => h.envFile()),
            envBefore,
          );
          await assertInvariants(lab(), { members: ORIGINAL, keys });
        });
      });

      describe('3 -> 5, scale-in and replacement over mutual TLS', () => {
        const lab = useLab({
          block: block + 2,
          etcdVersion: version,
          tls: true,
        });
        it('adds both members as voters over https with Kubespray certificates', async () => {
          await scaleOutGrows(lab(), `${version} tls 3 -> 5`);
        });
        it('scales in 5 -> 3: etcd4 and etcd5 removed one at a time, retired, the env files reduced', async () => {
          await scaleInShrinks(lab(), `${version} tls scale-in 5 -> 3`);
        });
        it("etcd2 SIGKILLed: etcd3's replacement refused by this version's add rule; etcd2 replaced by etcd4 on the down path", async () => {
          await replacesDownMember(
            lab(),
            version,
            `${version} tls replace etcd2 (down)`,
          );
        });
      });
    });
  });
});
