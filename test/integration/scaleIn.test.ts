/**
 * scaleInEtcd on the Kubespray-shaped mTLS lab with a stacked control plane (real etcd, real SSH, real
 * kube-apiservers under the lab's kubelet stand-in): grown 3 -> 5 by a scale-out, then 5 -> 3 by a
 * scale-in removing etcd4 and etcd5: both out of every apiserver's --etcd-servers first (one node at a
 * time, measured), then removed one at a time by ID, their services stopped and data dirs moved aside.
 * Then a request removing two of the three left is refused in preflight with the numbers, changing
 * nothing. Each ends checking quorum, the member list, every apiserver's list and the seeded keys.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../../lab';
import { parseEnvFile } from '../../src/domain/envFiles/envFileText';
import { ErrorType } from '../../src/domain/errors';
import type { ScaleInResult, scaleInEtcd } from '../../src/workflows';
import {
  EtcdCluster,
  ScaleOutPhase,
} from '../../src/workflows/run/searchAttributes';
import { cli, useCli } from '../support/cli';
import {
  assertApiservers,
  clientURLs,
  controlPlaneOf,
  cpOf,
  HOSTS,
} from '../support/controlPlane';
import { assertInvariants } from '../support/invariants';
import { assertKubeadmRegenerates } from '../support/kubeadm';
import { recordTiming, useLab } from '../support/labs';
import { outcome, scaleInRequest, startRaw } from '../support/runs';
import { getStack } from '../support/stack';

/** The lab's apiservers, as the tests' requests name them (settling 2 s after each is ready). */
const controlPlane = (lab: Lab) => controlPlaneOf(lab, { settleSeconds: 2 });

/** A whole scale-in request (inline settings, as the lab's scale-out requests are). */
const scaleIn = (lab: Lab, removeMembers: string[]) =>
  scaleInRequest(lab, removeMembers, { controlPlane: controlPlane(lab) });

async function runScaleIn(
  input: unknown,
): Promise<
  | { ok: true; result: ScaleInResult }
  | { ok: false; type?: string; message: string }
> {
  const { client, taskQueue } = await getStack();
  const handle = await client.workflow.start<typeof scaleInEtcd>(
    'scaleInEtcd',
    {
      taskQueue,
      workflowId: `test-scale-in-${Date.now()}`,
      args: [input],
      typedSearchAttributes: [
        { key: EtcdCluster, value: 'test' },
        { key: ScaleOutPhase, value: 'validate' },
      ],
    },
  );
  try {
    return { ok: true, result: await handle.result() };
  } catch (err) {
    const cause = (err as { cause?: { type?: string; message: string } }).cause;
    return {
      ok: false,
      type: cause?.type,
      message: cause?.message ?? `${err}`,
    };
  }
}

describe('scaleInEtcd (real etcd, SSH and kube-apiservers, mTLS)', () => {
  before(async () => {
    await getStack();
  });
  const lab = useLab({ block: 212, tls: true, controlPlane: true });
  useCli();

  it('5 -> 3: etcd4 and etcd5 out of every apiserver list, then removed one at a time; two of three refused with the numbers', async () => {
    const keys = await lab().seedKeys(20);
    const grown = await outcome(
      await startRaw({ ...lab().request(), controlPlane: controlPlane(lab()) }),
    );
    if (!grown.ok) assert.fail(grown.message);
    await assertApiservers(lab(), clientURLs(lab(), 5));

    // The dry run: each removal with its ID and sizes, nothing changed.
    const file = join(lab().dir, 'scale-in.json');
    writeFileSync(file, JSON.stringify(scaleIn(lab(), ['etcd4', 'etcd5'])));
    const dry = await cli(['plan', file]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /remove etcd4 \(ID \d+, https:\S+\): out of every/,
    );
    assert.match(dry.stdout, /voters 4 -> 3, quorum 2/);
    // kubeadm's copies in the dry run too: each node's file, then the ConfigMap.
    assert.equal(
      dry.stdout.match(/^ {4}--- \/etc\/kubernetes\/kubeadm-config\.yaml$/gm)
        ?.length,
      3,
      dry.stdout,
    );
    assert.match(
      dry.stdout,
      /^ {4}--- ConfigMap kube-system\/kubeadm-config \(ClusterConfiguration\)$/m,
    );

    const monitor = cpOf(lab()).monitor(100);
    const started = Date.now();
    const o = await cli(['start', file, '--wait']);
    const report = await monitor.stop();
    assert.equal(o.code, 0, o.stderr);
    recordTiming('tls scale-in 5 -> 3, three apiservers told', started);
    const [workflowId, ...json] = o.stdout.split('\n');
    assert.match(workflowId, /^scalein-lab-212_LAB-212$/);
    const r = JSON.parse(json.join('\n')) as ScaleInResult;
    assert.equal(r.from, 5);
    assert.equal(r.to, 3);
    assert.deepEqual(r.membersAfter, HOSTS); // the one order: the profile's
    assert.deepEqual(
      r.removed.map((x) => [x.member, x.removed, x.serviceStopped]),
      [
        ['etcd4', true, true],
        ['etcd5', true, true],
      ],
    );
    assert.ok(
      r.removed.every((x) => x.dataDirMovedTo?.includes('quarantined-removed')),
      JSON.stringify(r.removed),
    );
    assert.deepEqual(r.leftByHand, []);
    assert.equal(r.apiservers.told, 'all');
    assert.deepEqual(r.etcdServers, clientURLs(lab(), 3));
    console.log(
      `      readiness monitor: at most ${report.maxNotReady} apiserver not ready over ${(report.durationMs / 1000).toFixed(1)}s`,
    );
    assert.ok(report.maxNotReady <= 1, 'one apiserver down at a time');
    await assertApiservers(lab(), clientURLs(lab(), 3));
    // kubeadm itself, from the ConfigMap and each node's file, writes the three that stay.
    assert.equal(r.apiservers.kubeadmConfigMap?.state, 'changed');
    await assertKubeadmRegenerates(lab(), clientURLs(lab(), 3));
    // The remaining members' env files list the three that stay.
    const three = HOSTS.map(
      (n, i) => `${n}=https://${lab().prefix}.${11 + i}:2380`,
    );
    for (const m of lab().cluster.members) {
      const env = parseEnvFile(m.node.envFile() ?? '');
      assert.equal(env.ETCD_INITIAL_CLUSTER, three.join(','), m.name);
    }
    await assertInvariants(lab(), {
      members: HOSTS,
      keys,
      fault: 'scale-in 5 -> 3',
      outcome: 'etcd4, etcd5 removed; lists of three',
      startedAt: started,
    });

    // status and the audit report read the scale-in like a scale-out.
    const status = await cli(['status', workflowId]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      /kubeadm\b.*ConfigMap kube-system\/kubeadm-config \(ClusterConfiguration\) etcd\.external\.endpoints changed; \/etc\/kubernetes\/kubeadm-config\.yaml changed on /,
      status.stdout,
    );
    const audit = await cli(['audit', workflowId, '--json']);
    assert.equal(audit.code, 0, audit.stderr);
    const a = JSON.parse(audit.stdout);
    assert.equal(a.workflowType, 'scaleInEtcd');
    assert.ok(
      a.phases.some((p: { phase: string }) => p.phase === 'remove'),
      JSON.stringify(a.phases),
    );
    assert.deepEqual(
      a.activities
        .filter((x: { name: string }) => x.name === 'removeMemberById')
        .map((x: { summary: string }) => x.summary),
      ['remove etcd4', 'remove etcd5'],
    );

    // Two of the three left: refused in preflight with the numbers, nothing changed.
    const refused = await runScaleIn(scaleIn(lab(), ['etcd2', 'etcd3']));
    assert.ok(!refused.ok);
    if (refused.ok) return;
    assert.equal(refused.type, ErrorType.PreflightFailed);
    assert.match(
      refused.message,
      /removing etcd2 and etcd3 of 3 leaves 1 voter \(quorum 1, tolerates 0 failures\) where there were 3 voters \(quorum 2, tolerates 1 failure\)/,
    );
    writeFileSync(file, JSON.stringify(scaleIn(lab(), ['etcd2', 'etcd3'])));
    const dryRefused = await cli(['plan', file]);
    assert.notEqual(dryRefused.code, 0);
    assert.match(
      dryRefused.stderr,
      /the scale-in is refused .*removing etcd2 and etcd3 of 3 leaves 1 voter/,
    );
    await assertApiservers(lab(), clientURLs(lab(), 3));
    await assertInvariants(lab(), { members: HOSTS, keys });
  });
});
