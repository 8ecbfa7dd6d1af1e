/**
 * The demo: a real 3 -> 5 scale-out on a local cluster, through Temporal, with the Web UI.
 *   Temporal dev server (SQLite, UI on 127.0.0.1:8233) + 3 etcd processes + 2 SSH test hosts +
 *   a worker process, then one scaleOutEtcd run whose phases are printed as they happen.
 * etcd is the lab's default version (ETCD_VERSION selects another); DEMO_TLS=1 (or --tls) runs it all
 * over Kubespray-shaped mutual TLS. The worker's own output goes to a log file, named on screen.
 * The worker has the lab cluster's profile and refuses inline settings, so the request is a ticket's:
 * the cluster's name, the new members and the ticket.
 * Leaves everything running until Ctrl-C (or exits at once with DEMO_EXIT=1), then tears down.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, TemporalDevServer } from '../lab';
import { CACHE_DIR } from '../lab/paths';
import { connectClient, startScaleOut } from '../src/client';
import type { ScaleOutResult } from '../src/workflows';
import { progressQuery } from '../src/workflows/run/messages';

const port = Number(process.env.DEMO_TEMPORAL_PORT || 7233);
const uiPort = Number(process.env.DEMO_UI_PORT || 8233);
const tls = process.env.DEMO_TLS === '1' || process.argv.includes('--tls');
const workerLog = join(CACHE_DIR, 'demo-worker.log');
/** The demo worker's cluster profiles: the worker refuses inline settings (the shipped default), as in production. */
const profilesDir = join(CACHE_DIR, 'demo-profiles');

const t0 = Date.now();
const log = (s: string) =>
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${s}`);

function startWorker(address: string): ChildProcess {
  const out = openSync(workerLog, 'w');
  return spawn(process.execPath, [join(__dirname, '..', 'src', 'worker.js')], {
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      ETCD_SCALEOUT_PROFILES_DIR: profilesDir,
    },
  });
}

/** The etcdctl command that lists the members, with the admin certificate over TLS. */
function etcdctlHint(lab: Lab): string {
  const t = lab.cluster.clientTls;
  const certs = t
    ? ` --cacert=${t.caFile} --cert=${t.certFile} --key=${t.keyFile}`
    : '';
  return `${lab.release.etcdctl} --endpoints=${lab.cluster.endpoints[0]}${certs} member list -w table`;
}

function printResult(result: ScaleOutResult): void {
  console.log('\nmembers after:');
  for (const m of [...result.membersAfter].sort((a, b) =>
    a.name.localeCompare(b.name),
  ))
    console.log(
      `  ${m.name.padEnd(6)} ${m.id.padEnd(20)} ${m.peerURLs.join(',')}  learner=${m.isLearner}`,
    );
  console.log(
    '\nper-member timings (ms):',
    Object.fromEntries(
      Object.entries(result.timings).map(([k, v]) => [k, v.totalMs]),
    ),
  );
  console.log(
    `backup: ${result.backup.path} (${result.backup.sizeBytes} bytes, revision ${result.backup.revision}, sha256 ${result.backup.sha256.slice(0, 16)}...)`,
  );
  console.log(`kube-apiserver --etcd-servers=${result.etcdServers.join(',')}`);
}

type Handle = Awaited<ReturnType<typeof startScaleOut>>['handle'];

/** Prints each change of the run's phase and members' states until it ends; its result. */
async function followToResult(handle: Handle): Promise<ScaleOutResult> {
  let last = '';
  let ended = false;
  const follow = setInterval(async () => {
    try {
      const p = await handle.query(progressQuery);
      if (ended) return; // a query answered after the result: the result is printed already
      const line = [
        `phase ${p.phase}${p.step ? ` (${p.step})` : ''}`,
        ...p.members.map((m) => `${m.name}=${m.state}`),
      ].join('  ');
      if (line !== last) log(line);
      last = line;
    } catch {
      // not yet answerable
    }
  }, 250);
  try {
    return await handle.result();
  } finally {
    ended = true;
    clearInterval(follow);
  }
}

/** Checks the lab's invariants after the run and prints them; the problems found. */
async function reportInvariants(
  lab: Lab,
  result: ScaleOutResult,
  keys: Awaited<ReturnType<Lab['seedKeys']>>,
): Promise<string[]> {
  const problems = await lab.checkInvariants({
    members: result.membersAfter.map((m) => m.name),
    keys,
  });
  console.log(
    problems.length
      ? `INVARIANT PROBLEMS: ${problems.join('; ')}`
      : 'invariants: 5 healthy voters, no learner, keys intact',
  );
  return problems;
}

function printWorkerLogTail(): void {
  try {
    console.error(
      `last lines of the worker log (${workerLog}):\n${readFileSync(workerLog, 'utf8').split('\n').slice(-20).join('\n')}`,
    );
  } catch {
    // no worker log yet
  }
}

const untilInterrupted = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

async function main() {
  mkdirSync(CACHE_DIR, { recursive: true });
  const temporal = new TemporalDevServer({
    port,
    uiPort,
    dbFile: join(CACHE_DIR, 'temporal-demo.db'),
    logFile: join(CACHE_DIR, 'temporal-demo.log'),
  });
  const lab = new Lab({ block: 10, dir: join(CACHE_DIR, 'demo-lab'), tls });
  let worker: ChildProcess | undefined;
  const teardown = async () => {
    log('tearing down: worker, etcd, test hosts, Temporal');
    worker?.kill('SIGTERM');
    await lab.stop();
    await temporal.stop();
  };

  try {
    log(
      `starting Temporal dev server (${temporal.cli}) on ${temporal.address}, UI ${temporal.uiUrl}`,
    );
    await temporal.start();
    const how = tls
      ? 'over mutual TLS with Kubespray-shaped certificates'
      : 'over plain http';
    log(
      `starting a 3-member etcd ${lab.release.version} cluster (127.0.10.11-13) and 2 fresh SSH test hosts (127.0.10.14-15), ${how}`,
    );
    await lab.start();
    const keys = await lab.seedKeys(100);
    log(`wrote ${Object.keys(keys).length} keys under /lab/`);

    const profile = lab.writeProfile(profilesDir);
    log(
      `the cluster's profile on the worker: ${profile} (endpoints, TLS, SSH, paths); the request names the cluster, the new members and the ticket`,
    );
    worker = startWorker(temporal.address);
    log(`worker started (pid ${worker.pid}, log ${workerLog})`);

    const client = await connectClient({ address: temporal.address });
    const request = lab.ticketRequest({
      ticket: {
        id: `DEMO-${Date.now().toString(36)}`,
        requestedBy: process.env.USER || 'demo',
      },
    });
    const { handle, workflowId } = await startScaleOut(client, request);
    log(`started workflow ${workflowId}`);

    const result = await followToResult(handle);
    log(
      `done: ${result.from} -> ${result.to} members in ${((Date.now() - t0) / 1000).toFixed(1)}s since the demo started`,
    );
    printResult(result);
    const problems = await reportInvariants(lab, result, keys);
    console.log(`\nworkflow ID: ${workflowId}`);
    console.log(
      `Temporal UI: ${temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`,
    );
    if (problems.length) process.exitCode = 1;

    if (process.env.DEMO_EXIT === '1') return void (await teardown());
    console.log(
      `\nEverything stays up for exploring (${etcdctlHint(lab)}). Ctrl-C to tear down.`,
    );
    await untilInterrupted();
    await teardown();
  } catch (err) {
    console.error('demo failed:', err);
    printWorkerLogTail();
    process.exitCode = 1;
    await teardown();
  }
}

main();
