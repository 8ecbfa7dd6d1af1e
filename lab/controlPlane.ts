/**
 * The lab's control plane: a real kube-apiserver on each control-plane host, stacked on the etcd member
 * hosts as in Kubespray's sample inventory, run the way the kubelet runs a static pod. Each host gets
 * Kubespray's files: /etc/kubernetes/manifests/kube-apiserver.yaml (kubeadm-shaped, `--etcd-servers` the
 * original members), /etc/kubernetes/ssl (kubeadm's names), the etcd node certificate
 * /etc/ssl/etcd/ssl/node-<host>.pem and /usr/local/bin/kube-apiserver; a kubelet stand-in (lab/files/kubelet)
 * runs the manifest's command and restarts it when the file changes. The host's /etc/kubernetes is a bind
 * mount (not the /etc overlay), so an edit over SSH, the kubelet and the tests see one and the same file.
 *
 * Everything is laid out before the hosts' sshd starts (their mount namespaces are made then): see
 * LabOptions.controlPlane, which prepares it with the lab and starts it once the hosts run.
 *
 * Unlike separate machines, the lab's hosts share one pid and one network namespace: over SSH every host
 * sees all the apiserver processes in /proc; a host's own is the one listening on its address:6443 (and
 * whose --advertise-address is its address). The kubelet stand-in's pid file is lab-only.
 */
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { withoutEtcdVariables } from './etcdVersions';
import { type Readyz, readyz, writeConfigMap } from './kubeApiClient';
import {
  MANIFEST_PATH,
  renderKubeApiserverManifest,
  SECURE_PORT,
} from './kubeApiserverManifest';
import { installKubeadmFiles } from './kubeadmConfig';
import { type KubeClientFiles, KubePki } from './kubePki';
import type { LabNode } from './node';
import { CACHE_DIR, labSourcePath } from './paths';
import type { LabPki } from './pki';
import { alive, killGroup, portOpen, startDaemon, waitFor } from './processes';
import { ReadinessMonitor } from './readinessMonitor';

export { MANIFEST_PATH } from './kubeApiserverManifest';
export type { ReadinessReport } from './readinessMonitor';

/** The pinned kube-apiserver (lab/kube-apiserver-version) and its build in the cache; throws when not built. */
export function kubeApiserverRelease(): { version: string; binary: string } {
  const version = readFileSync(labSourcePath('kube-apiserver-version'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'));
  if (!version) throw new Error('lab/kube-apiserver-version names no version');
  const binary = join(CACHE_DIR, 'kube-apiserver', version, 'kube-apiserver');
  if (!existsSync(binary))
    throw new Error(
      `kube-apiserver ${version}: ${binary} is missing; run scripts/setup.sh --tests (or bash scripts/build-kube-apiserver.sh)`,
    );
  return { version, binary };
}

export interface ControlPlaneHost {
  /** The inventory host name (names the etcd node certificate). */
  name: string;
  address: string;
  node: LabNode;
}

export interface ControlPlaneOptions {
  dir: string;
  hosts: ControlPlaneHost[];
  /** The manifests' `--etcd-servers` (the original members' client URLs). */
  etcdServers: string[];
  pki: LabPki;
}

/** A control-plane node as a rollout's profile names it: every file is a path on the worker (test runner). */
export interface ControlPlaneNodeFacts {
  host: string;
  address: string;
  manifestPath: string;
  readyzURL: string;
  /** The lab's Kubernetes CA and a client certificate that may read /readyz only. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

export class LabControlPlane {
  readonly kubePki: KubePki;
  readonly version: string;
  private readonly binary: string;
  private readonly kubelets = new Map<string, ChildProcess>();
  /** ms from the kubelets' start to each apiserver's first ready /readyz. */
  readonly readyAfterMs: Record<string, number> = {};

  constructor(readonly options: ControlPlaneOptions) {
    ({ version: this.version, binary: this.binary } = kubeApiserverRelease());
    this.kubePki = new KubePki(options.dir, options.hosts);
  }

  get hosts(): string[] {
    return this.options.hosts.map((h) => h.name);
  }

  private host(name: string): ControlPlaneHost {
    const h = this.options.hosts.find((x) => x.name === name);
    if (!h)
      throw new Error(
        `no control-plane host ${name} in the lab (${this.hosts.join(', ')})`,
      );
    return h;
  }

  /** The manifest's path as the host sees it. */
  get manifestPath(): string {
    return MANIFEST_PATH;
  }
  /** The manifest's file seen from the test runner (the same file: a bind mount). */
  manifestFile(name: string): string {
    return join(
      this.host(name).node.kubernetesDir,
      MANIFEST_PATH.replace(/^\/etc\/kubernetes\//, ''),
    );
  }
  manifest(name: string): string {
    return readFileSync(this.manifestFile(name), 'utf8');
  }
  /** Replaces the manifest atomically, through a dotfile beside it (the kubelet ignores dotfiles). */
  writeManifest(name: string, text: string): void {
    const file = this.manifestFile(name);
    const tmp = join(dirname(file), `.${basename(file)}.lab-tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }

  baseURL(name: string): string {
    return `https://${this.host(name).address}:${SECURE_PORT}`;
  }

  /** The certificates, the manifests, the binary and the stand-in on every host; before the hosts' sshd start. */
  async prepare(): Promise<void> {
    for (const h of this.options.hosts)
      if (await portOpen(h.address, SECURE_PORT))
        throw new Error(
          `${h.address}:${SECURE_PORT} is already taken (an apiserver of an earlier lab still running?)`,
        );
    await Promise.all([
      this.options.pki.issueNodeCertificates(this.hosts),
      this.kubePki.create(),
    ]);
    for (const h of this.options.hosts) {
      const k8s = h.node.kubernetesDir;
      for (const d of ['manifests', 'ssl'])
        mkdirSync(join(k8s, d), { recursive: true });
      this.kubePki.installOn(join(k8s, 'ssl'), h.name);
      this.options.pki.installNodeCertificateOn(h.node.sslDir, h.name);
      writeFileSync(
        this.manifestFile(h.name),
        renderKubeApiserverManifest({
          host: h.name,
          address: h.address,
          etcdServers: this.options.etcdServers,
          version: this.version,
        }),
      );
      installKubeadmFiles(
        k8s,
        h,
        this.options.etcdServers,
        this.version,
        this.kubePki.admin,
      );
      mkdirSync(h.node.binDir, { recursive: true });
      rmSync(join(h.node.binDir, 'kube-apiserver'), { force: true });
      symlinkSync(this.binary, join(h.node.binDir, 'kube-apiserver'));
      const kubelet = join(h.node.binDir, 'kubelet');
      writeFileSync(kubelet, readFileSync(labSourcePath('files', 'kubelet')), {
        mode: 0o755,
      });
    }
  }

  /** Starts each host's kubelet stand-in (which starts its apiserver). */
  start(): void {
    for (const h of this.options.hosts) {
      rmSync(join(h.node.runDir, 'kubelet-refuse'), { force: true });
      this.kubelets.set(
        h.name,
        startDaemon(
          'unshare',
          h.node.namespaced('exec /usr/local/bin/kubelet'),
          join(h.node.root, 'kubelet.log'),
          withoutEtcdVariables(),
        ),
      );
    }
  }

  /** Waits until every apiserver answers /readyz ok; records how long each took since `since`. */
  async waitReady(timeoutMs = 180_000, since = Date.now()): Promise<void> {
    await Promise.all(
      this.hosts.map(async (name) => {
        await this.waitHostReady(name, timeoutMs);
        this.readyAfterMs[name] = Date.now() - since;
      }),
    );
  }

  async waitHostReady(name: string, timeoutMs = 120_000): Promise<void> {
    let last: Readyz | undefined;
    await waitFor(
      `kube-apiserver on ${name} ready`,
      async () => {
        if (!alive(this.kubelets.get(name)?.pid))
          throw new Error(
            `the kubelet stand-in of ${name} exited; see ${join(this.host(name).node.root, 'kubelet.log')}`,
          );
        last = await this.readyz(name);
        return last.ok;
      },
      timeoutMs,
      250,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; last /readyz: ${last?.status} ${last?.body.slice(0, 800)}; log: ${this.apiserverLogFile(name)}`,
      );
    });
  }

  readyz(name: string): Promise<Readyz> {
    return readyz(this.baseURL(name), this.kubePki.caFile);
  }

  /** Writes a ConfigMap through this apiserver with the system:masters certificate; returns its name. */
  async write(name: string): Promise<string> {
    const cm = `lab-${name}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
    await writeConfigMap(this.baseURL(name), this.kubePki.admin, cm, {
      host: name,
    });
    return cm;
  }

  /** The client certificate with system:masters (test-runner paths). */
  get adminFiles(): KubeClientFiles {
    return this.kubePki.admin;
  }

  /** From now on the host's apiserver cannot start while its manifest contains `marker`. */
  break(name: string, marker: string): void {
    if (!marker || marker.includes('\n'))
      throw new Error('break: the marker must be one non-empty line');
    writeFileSync(
      join(this.host(name).node.runDir, 'kubelet-refuse'),
      `${marker}\n`,
    );
  }
  unbreak(name: string): void {
    rmSync(join(this.host(name).node.runDir, 'kubelet-refuse'), {
      force: true,
    });
  }

  /** The pid of the host's running apiserver, as its kubelet stand-in recorded it. */
  apiserverPid(name: string): number | undefined {
    try {
      const pid = Number(
        readFileSync(
          join(this.host(name).node.runDir, 'kube-apiserver.pid'),
          'utf8',
        ).trim(),
      );
      return alive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** The running process's command line, read from /proc; undefined when no apiserver runs. */
  commandLine(name: string): string[] | undefined {
    const pid = this.apiserverPid(name);
    if (!pid) return undefined;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter(Boolean);
    } catch {
      return undefined;
    }
  }

  /** The running apiserver's `--etcd-servers` list; undefined when no apiserver runs. */
  etcdServers(name: string): string[] | undefined {
    const flag = this.commandLine(name)?.find((a) =>
      a.startsWith('--etcd-servers='),
    );
    return flag?.slice('--etcd-servers='.length).split(',');
  }

  /** Files other than kube-apiserver.yaml (no dotfiles) that ever stood in the manifests folder: a real kubelet would have run them. */
  otherManifests(name: string): string[] {
    const f = join(this.host(name).node.runDir, 'kubelet-other-manifests');
    return existsSync(f)
      ? readFileSync(f, 'utf8').split('\n').filter(Boolean)
      : [];
  }

  apiserverLogFile(name: string): string {
    return join(this.host(name).node.runDir, 'kube-apiserver.log');
  }

  /** Polls every apiserver's /readyz every `intervalMs` until stopped; see readinessMonitor.ts. */
  monitor(intervalMs = 100): ReadinessMonitor {
    return new ReadinessMonitor(
      this.hosts.map((host) => ({ host, base: this.baseURL(host) })),
      this.kubePki.caFile,
      intervalMs,
    );
  }

  /** What a rollout's profile says of each control-plane node. */
  nodes(): ControlPlaneNodeFacts[] {
    const client = this.kubePki.readyz;
    return this.options.hosts.map((h) => ({
      host: h.name,
      address: h.address,
      manifestPath: MANIFEST_PATH,
      readyzURL: `${this.baseURL(h.name)}/readyz`,
      caFile: client.caFile,
      certFile: client.certFile,
      keyFile: client.keyFile,
    }));
  }

  async stop(): Promise<void> {
    const pids = [...this.kubelets.values()].map((k) => k.pid);
    for (const pid of pids) killGroup(pid);
    await waitFor(
      'the kubelet stand-ins and their apiservers to exit',
      async () =>
        pids.every((p) => !alive(p)) &&
        this.hosts.every((h) => !this.apiserverPid(h)),
      35_000,
    ).catch(() => {
      for (const pid of pids) killGroup(pid, 'SIGKILL');
    });
  }
}
