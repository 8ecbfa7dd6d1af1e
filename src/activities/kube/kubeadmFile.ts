/**
 * A control-plane node's kubeadm ClusterConfiguration file (Kubespray's /etc/kubernetes/kubeadm-config.yaml),
 * over SSH: its etcd.external.endpoints changed with the node's manifest, and put back with it. The
 * same discipline as the manifest (manifest.ts): the original saved once per run beside the manifest's
 * (the run's backup folder, outside the manifests folder), the new text written to a temporary file on
 * the same file system and renamed over the file, unless the file changed in between; the edit computed
 * from the file as it is now, so a retry is a no-op. A node without the file (not built by kubeadm
 * through Kubespray) is said so, never failed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import type { EtcdServersChange } from '../../domain/kubernetes/apiserverManifest';
import {
  KubeadmConfigRefused,
  kubeadmEndpointsOf,
  withKubeadmEndpoints,
} from '../../domain/kubernetes/kubeadmConfig';
import { orByHand } from '../node/byHand';
import type { Remote } from '../node/remote';
import { sh } from '../node/shell';
import type { SshTarget } from '../node/ssh';
import { atomicReplace, chooseTmp, saveOriginalOnce } from './manifest';

export interface KubeadmFileWrite {
  file: string;
  /** changed: differs from its original (this run's change); unchanged: had the list already; absent: no such file. */
  state: 'changed' | 'unchanged' | 'absent';
  /** The endpoints in the original (saved before this run's first change) and now. */
  original?: string[];
  endpoints?: string[];
  backup?: string;
}

export interface KubeadmFileRestore {
  file: string;
  restored: 'restored' | 'unchanged' | 'no-original';
}

/** The paths one run uses for the file: its original beside the manifest's, its temporary files. */
function kubeadmFiles(file: string, backupDir: string) {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const folder = file.slice(0, file.lastIndexOf('/')) || '/';
  return {
    dir: backupDir,
    original: `${backupDir}/${base}`,
    tmp: `${backupDir}/${base}.tmp`,
    hiddenTmp: `${folder}/.${base}.etcd-scaleout.tmp`,
    folder,
  };
}

const refused = (err: KubeadmConfigRefused, host: string) =>
  ApplicationFailure.nonRetryable(
    `kubeadm configuration on ${host}: ${err.message}`,
    ErrorType.KubeadmConfigRefused,
  );

/** Saves the original once, then writes the file with its endpoints changed, atomically, unless it has them already. */
export async function writeKubeadmFile(
  remote: Remote,
  target: SshTarget,
  file: string,
  backupDir: string,
  change: EtcdServersChange,
): Promise<KubeadmFileWrite> {
  const f = kubeadmFiles(file, backupDir);
  const marker = `\n--etcd-scaleout-${randomBytes(8).toString('hex')}--\n`;
  const saved = await remote.mustRun(
    target,
    sh`if [ ! -e ${file} ]; then echo absent; exit 0; fi; ` +
      saveOriginalOnce(f, file) +
      sh`echo present && cat -- ${f.original} && printf %s ${marker} && cat -- ${file}`,
    'save kubeadm configuration',
  );
  if (saved.stdout.startsWith('absent')) return { file, state: 'absent' };
  const body = saved.stdout.slice('present\n'.length);
  const cut = body.indexOf(marker);
  const current = body.slice(cut + marker.length);
  let original: string[];
  let edit: ReturnType<typeof withKubeadmEndpoints>;
  try {
    original = kubeadmEndpointsOf(body.slice(0, cut), f.original);
    edit = withKubeadmEndpoints(current, change, file);
  } catch (err) {
    if (err instanceof KubeadmConfigRefused) throw refused(err, target.host);
    throw err;
  }
  const result = { file, original, endpoints: edit.after, backup: f.original };
  const differs =
    original.length !== edit.after.length ||
    original.some((s, i) => s !== edit.after[i]);
  if (edit.changed) {
    const sha = createHash('sha256').update(current, 'utf8').digest('hex');
    await remote.mustRun(
      target,
      atomicReplace(f, file, sha),
      'write kubeadm configuration',
      edit.text,
    );
  }
  return {
    ...result,
    state: edit.changed || differs ? 'changed' : 'unchanged',
  };
}

/** Puts this run's saved original back (atomically); a file equal to it, or no saved original, is left as it is. */
export async function restoreKubeadmFile(
  remote: Remote,
  target: SshTarget,
  file: string,
  backupDir: string,
): Promise<KubeadmFileRestore> {
  const f = kubeadmFiles(file, backupDir);
  const r = await orByHand(
    target.host,
    `cp -p -- ${f.original} ${file}.new && mv -f -- ${file}.new ${file}`,
    () =>
      remote.mustRun(
        target,
        sh`if [ ! -e ${f.original} ]; then echo no-original; exit 0; fi; ` +
          sh`if cmp -s -- ${f.original} ${file}; then echo unchanged; exit 0; fi; ` +
          chooseTmp(f) +
          sh`cp -p -- ${f.original} "$tmp" && mv -f -- "$tmp" ${file} && echo restored`,
        'restore kubeadm configuration',
      ),
  );
  return {
    file,
    restored: r.stdout.trim() as KubeadmFileRestore['restored'],
  };
}

/** The file's text (for `plan`), or undefined when the node has none. */
export async function readKubeadmFile(
  remote: Remote,
  target: SshTarget,
  file: string,
): Promise<string | undefined> {
  const r = await remote.mustRun(
    target,
    sh`if [ -e ${file} ]; then echo present; cat -- ${file}; else echo absent; fi`,
    'read kubeadm configuration',
  );
  return r.stdout.startsWith('present\n')
    ? r.stdout.slice('present\n'.length)
    : undefined;
}
