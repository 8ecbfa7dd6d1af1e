/**
 * The control-plane lab is real: on the Kubespray-shaped mTLS lab (etcd 3.6 by default) each member host
 * runs a real kube-apiserver from its static-pod manifest, over Kubespray's etcd node certificate. Each
 * one is ready with its etcd check, serves a write, restarts alone with the new flags when its manifest is
 * edited over SSH, and the lab's break knob keeps one down until its original manifest is back.
 */
import assert from 'node:assert/strict';
import { Lab } from '../../lab';
import { sleep, waitFor } from '../../lab/processes';
import { recordTiming } from '../support/labs';

const BLOCK = 231;
const HOSTS = ['etcd1', 'etcd2', 'etcd3'];
const ORIGINAL = HOSTS.map((_, i) => `https://127.0.${BLOCK}.${11 + i}:2379`);

describe('the control-plane lab: real kube-apiservers run as static pods', () => {
  let lab: Lab;
  const cp = () => {
    if (!lab?.controlPlane) throw new Error('the lab has no control plane');
    return lab.controlPlane;
  };

  before(async function () {
    this.timeout(300_000);
    const started = Date.now();
    lab = new Lab({ block: BLOCK, tls: true, controlPlane: true });
    await lab.start();
    recordTiming('lab with 3 apiservers ready', started);
    for (const [host, ms] of Object.entries(cp().readyAfterMs))
      console.log(
        `      ${host}'s apiserver ready ${(ms / 1000).toFixed(1)}s after its kubelet started`,
      );
  });
  after(async function () {
    this.timeout(60_000);
    await lab?.stop();
  });

  it('runs three apiservers over mTLS to etcd, each ready with its etcd check and serving a write', async () => {
    assert.deepEqual(cp().hosts, HOSTS);
    for (const host of HOSTS) {
      const r = await cp().readyz(host);
      assert.ok(r.ok, `${host}: ${r.status} ${r.body}`);
      assert.match(r.body, /\[\+\]etcd ok/);
      assert.deepEqual(cp().etcdServers(host), ORIGINAL);
      assert.ok(
        cp()
          .commandLine(host)
          ?.includes(`--etcd-certfile=/etc/ssl/etcd/ssl/node-${host}.pem`),
      );
      const name = await cp().write(host);
      // The write reached etcd: the key is there, read with etcd's own client.
      const c = lab.cluster.client();
      try {
        assert.ok(await c.get(`/registry/configmaps/default/${name}`).buffer());
      } finally {
        c.close();
      }
    }
    // As the host sees it over SSH: the manifest, the binary and the certificates at Kubespray's paths.
    const seen = await lab.memberHosts[0].ssh(
      `grep -c -- '--etcd-servers=${ORIGINAL.join(',')}$' ${cp().manifestPath} && /usr/local/bin/kube-apiserver --version && ls /etc/ssl/etcd/ssl/node-etcd1.pem /etc/kubernetes/ssl/apiserver.crt`,
    );
    assert.match(seen.stdout, /^1\nKubernetes v1\.35\.4\n/);
  });

  it('restarts only the apiserver whose manifest changed, with the new flags, and tells apart a break', async function () {
    this.timeout(240_000);
    const host = 'etcd2';
    const original = cp().manifest(host);
    const pids = Object.fromEntries(
      HOSTS.map((h) => [h, cp().apiserverPid(h)]),
    );
    const extra = `https://127.0.${BLOCK}.14:2379`;
    const edited = original.replace(
      `--etcd-servers=${ORIGINAL.join(',')}`,
      `--etcd-servers=${[...ORIGINAL, extra].join(',')}`,
    );
    const monitor = cp().monitor(100);

    // An edit over SSH, as an operator (or the rollout) makes it: write beside, then rename.
    let started = Date.now();
    await lab.memberHosts[1].ssh(
      `cat > /etc/kubernetes/.kube-apiserver.yaml.new <<'EOF'\n${edited}EOF\nmv /etc/kubernetes/.kube-apiserver.yaml.new ${cp().manifestPath}`,
    );
    await waitFor(
      `${host} running with the new list`,
      async () => cp().etcdServers(host)?.length === 4,
      30_000,
      100,
    );
    await cp().waitHostReady(host);
    recordTiming(
      'manifest edit -> that apiserver restarted and ready',
      started,
    );
    assert.deepEqual(cp().etcdServers(host), [...ORIGINAL, extra]);
    assert.notEqual(cp().apiserverPid(host), pids[host]);
    for (const other of ['etcd1', 'etcd3'])
      assert.equal(
        cp().apiserverPid(other),
        pids[other],
        `${other} was not restarted`,
      );
    await cp().write(host);

    // Broken: while the manifest names the marker (a fifth member's URL) it cannot come back; the original heals it.
    const fifth = `https://127.0.${BLOCK}.15:2379`;
    cp().break(host, fifth);
    cp().writeManifest(host, edited.replace(extra, `${extra},${fifth}`));
    await waitFor(
      `${host} down`,
      async () => !cp().apiserverPid(host) && !(await cp().readyz(host)).ok,
      30_000,
      100,
    );
    await sleep(3_000); // more than the stand-in's back-off: still down
    assert.equal(cp().apiserverPid(host), undefined);
    assert.equal((await cp().readyz(host)).ok, false);
    started = Date.now();
    cp().writeManifest(host, original);
    await cp().waitHostReady(host);
    recordTiming('original manifest restored -> apiserver ready', started);
    cp().unbreak(host);
    assert.deepEqual(cp().etcdServers(host), ORIGINAL);
    for (const other of ['etcd1', 'etcd3'])
      assert.equal(cp().apiserverPid(other), pids[other]);

    const report = await monitor.stop();
    console.log(
      `      monitor: ${JSON.stringify(report.polls)} polls, changes ${report.changes.map((c) => `${c.host}@${c.at}ms ${c.ready ? 'ready' : 'down'}`).join(', ')}`,
    );
    assert.equal(report.maxNotReady, 1);
    assert.deepEqual(report.notReadyAtMax, [host]);
    assert.deepEqual(
      HOSTS.flatMap((h) => cp().otherManifests(h)),
      [],
    );
  });
});
