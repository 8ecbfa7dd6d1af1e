/**
 * What a learner's catch-up waits for, measured (issue 23): on a fresh lab with data, one learner is
 * added and started the way the runbook does it (env file, `systemctl start`, which returns once etcd
 * is ready), then, every 100 ms: (a) `member promote` itself from the add on (etcd's rule: the
 * leader's match index for the learner) and (b) once the start returned, as the old catch-up did, the
 * learner's own status (its log at 90 % of the leader's, its applied index at the leader's). Prints
 * when each was first satisfied, counted from the add. Run: node dist/scripts/bench/catchUpProbe.js [MiB] [version] [block]
 */
import type { Etcd3 } from 'etcd3';
import { classifyEtcdError, errorText } from '../../src/activities/etcd/errors';
import { freshLab, labFor } from './cases';
import { parseCase } from './config';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 200);
  const version = process.argv[3] ?? '3.6.14';
  const block = Number(process.argv[4] ?? 240);
  const c = parseCase(`${version}-${mib ? `${mib}mb` : 'small'}`);
  const lab = labFor(c, block);
  const t: Record<string, number> = {};
  try {
    await freshLab(lab, c);
    const host = lab.hosts[0];
    const name = host.options.name;
    const peer = `${lab.scheme}://${host.address}:2380`;
    const client = `${lab.scheme}://${host.address}:2379`;
    const etcd = lab.cluster.client();
    const t0 = performance.now();
    const at = (what: string) => {
      t[what] ??= performance.now() - t0;
    };
    const added = await etcd.cluster.memberAdd({
      peerURLs: [peer],
      isLearner: true,
    });
    at('member add answered');
    const id = added.member!.ID;
    const initial = added.members
      .map((m) => `${m.name || name}=${m.peerURLs[0]}`)
      .join(',');
    const env = [
      `ETCD_NAME=${name}`,
      'ETCD_DATA_DIR=/var/lib/etcd',
      `ETCD_INITIAL_CLUSTER=${initial}`,
      'ETCD_INITIAL_CLUSTER_STATE=existing',
      `ETCD_INITIAL_ADVERTISE_PEER_URLS=${peer}`,
      `ETCD_ADVERTISE_CLIENT_URLS=${client}`,
      `ETCD_LISTEN_PEER_URLS=${peer}`,
      `ETCD_LISTEN_CLIENT_URLS=${client}`,
    ].join('\n');
    let done = false;
    // As the old catch-up did: the learner's status asked once its start returned, every 100 ms, a
    // client of its own each time (etcd3's per-host circuit breaker would hold a refused host for 5 s).
    const statusLoop = async () => {
      while (!done) {
        const learner = lab.cluster.client([client]);
        try {
          const [s, leader] = await Promise.all([
            learner.maintenance.status(),
            leaderStatus(etcd),
          ]);
          at('learner status first answered');
          const log = BigInt(s.raftIndex);
          const applied = BigInt(s.raftAppliedIndex);
          if (log * 10n >= leader * 9n)
            at('learner status: log >= 90 % of leader');
          if (applied >= leader) at('learner status: applied >= leader');
          if (t['learner status: applied >= leader'] !== undefined) return;
        } catch {
          // not serving yet
        } finally {
          learner.close();
        }
        await sleep(100);
      }
    };
    let refusals = 0;
    const promoteLoop = (async () => {
      for (;;) {
        try {
          await etcd.cluster.memberPromote({ ID: id });
          at('member promote accepted');
          return;
        } catch (err) {
          if (classifyEtcdError(err) !== 'learner-not-in-sync')
            throw new Error(`promote: ${errorText(err)}`);
          refusals++;
        }
        await sleep(100);
      }
    })();
    await host.ssh(
      `cat >>/etc/etcd.env <<'ENV'\n${env}\nENV\nsystemctl start etcd`,
    );
    at('systemctl start returned');
    await Promise.race([statusLoop(), sleep(60_000)]);
    done = true;
    await promoteLoop;
    etcd.close();
    console.log(
      `${c.name}: ${refusals} promote refusals ("not in sync with leader"); from the member add:`,
    );
    for (const [what, ms] of Object.entries(t).sort((a, b) => a[1] - b[1]))
      console.log(`  ${(ms / 1000).toFixed(2).padStart(6)} s  ${what}`);
  } finally {
    await lab.stop();
  }
}

/** The leader's raft index, from the leader's own status. */
async function leaderStatus(etcd: Etcd3): Promise<bigint> {
  const s = await etcd.maintenance.status();
  return BigInt(s.raftIndex);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
