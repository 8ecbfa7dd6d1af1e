/**
 * A control-plane node's kube-apiserver manifest, over SSH: its --etcd-servers list changed, and the
 * original put back. The kubelet runs every manifest in the static-pod folder, so nothing of ours is
 * ever left there: the original is saved once per run in a folder beside it
 * (controlPlane.ts manifestBackupDir), and the new text is written to a temporary file outside the
 * folder, on the same file system, then renamed over the manifest (atomic: the kubelet sees the old
 * file or the new one, never half of one). Where that folder is on another file system, the temporary
 * file is a hidden one in the manifests folder (the kubelet skips names starting with a dot).
 *
 * Idempotent: the edit is computed from the manifest as it is now (an edited manifest is left as it is,
 * so a retried write is a no-op), the original is saved only if no copy exists, and a restore of a
 * manifest equal to its original changes nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import {
  type EtcdServersChange,
  etcdServersOf,
  ManifestRefused,
  sameServer,
  withEtcdServers,
} from '../../domain/kubernetes/apiserverManifest';
import { manifestBackupDir } from '../../domain/kubernetes/controlPlane';
import type { CheckpointHook } from '../checkpoints';
import { orByHand } from '../node/byHand';
import type { Remote } from '../node/remote';
import { sh } from '../node/shell';
import type { SshTarget } from '../node/ssh';
import {
  type KubeadmFileRestore,
  type KubeadmFileWrite,
  restoreKubeadmFile,
  writeKubeadmFile,
} from './kubeadmFile';

const refused = (err: ManifestRefused, host: string) =>
  ApplicationFailure.nonRetryable(
    `kube-apiserver manifest on ${host}: ${err.message}`,
    ErrorType.ManifestRefused,
  );

/** The paths one run uses for one manifest. */
export function manifestFiles(manifest: string, runId: string) {
  const dir = manifestBackupDir(manifest, runId);
  const base = manifest.slice(manifest.lastIndexOf('/') + 1);
  const folder = manifest.slice(0, manifest.lastIndexOf('/')) || '/';
  return {
    dir,
    original: `${dir}/${base}`,
    tmp: `${dir}/${base}.tmp`,
    /** Used only when dir is on another file system than the manifests folder. */
    hiddenTmp: `${folder}/.${base}.etcd-scaleout.tmp`,
    folder,
  };
}

type BackupFiles = ReturnType<typeof manifestFiles>;

/**
 * A shell snippet that sets `$tmp` to the temporary file for replacing a file of `f`: beside its
 * backup, or hidden in the file's own folder when the backup is on another file system (a rename
 * must not cross file systems to stay atomic).
 */
export const chooseTmp = (
  f: Pick<BackupFiles, 'tmp' | 'dir' | 'folder' | 'hiddenTmp'>,
): string =>
  sh`tmp=${f.tmp}; if [ "$(stat -c %d -- ${f.dir})" != "$(stat -c %d -- ${f.folder})" ]; then tmp=${f.hiddenTmp}; fi; `;

/** A shell snippet that saves `file` as `f.original` once per run (never over an earlier save), then `&& `. */
export const saveOriginalOnce = (
  f: Pick<BackupFiles, 'dir' | 'original'>,
  file: string,
): string =>
  sh`mkdir -p -m 0700 -- ${f.dir} && if [ ! -e ${f.original} ]; then cp -p -- ${file} ${f.original}.saving && mv -f -- ${f.original}.saving ${f.original}; fi && `;

const sha256 = (text: string) =>
  createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A shell snippet that writes stdin to a temporary file beside `manifest`'s backup (or hidden in its
 * folder on another file system), with the manifest's mode and owner, then renames it over the
 * manifest, unless the manifest's SHA-256 is no longer `expected` (changed by someone else meanwhile).
 */
export function atomicReplace(
  f: Pick<
    ReturnType<typeof manifestFiles>,
    'tmp' | 'dir' | 'folder' | 'hiddenTmp'
  >,
  manifest: string,
  expected: string,
): string {
  return (
    chooseTmp(f) +
    sh`cp -p -- ${manifest} "$tmp" && cat > "$tmp" || exit 1; ` +
    sh`if [ "$(sha256sum < ${manifest} | cut -d' ' -f1)" != ${expected} ]; then rm -f -- "$tmp"; echo 'the file changed while it was being edited' >&2; exit 3; fi; ` +
    sh`mv -f -- "$tmp" ${manifest}`
  );
}

export interface ManifestWrite {
  /**
   * The manifest's list now differs from its original: this run changed it, in this attempt or in one
   * a killed worker made (false: it had the new list before this run).
   */
  written: boolean;
  /** The list in the original manifest (saved before this run's first change) and now. */
  original: string[];
  etcdServers: string[];
  backup: string;
  /** The node's kubeadm ClusterConfiguration file, changed first (kubeadmFile.ts), when one was asked for. */
  kubeadm?: KubeadmFileWrite;
}

export function createManifestActivities(deps: {
  remote: Remote;
  checkpoint: CheckpointHook;
}) {
  const { remote, checkpoint } = deps;

  return {
    /** The manifest's text (for `plan` and the workflow's checks); refused when it has no readable manifest. */
    async readApiserverManifest(
      target: SshTarget,
      manifest: string,
    ): Promise<{ text: string }> {
      const r = await remote.run(target, sh`cat -- ${manifest}`);
      if (r.code !== 0)
        throw ApplicationFailure.nonRetryable(
          `cannot read ${manifest} on ${target.host}: ${r.stderr.trim() || `exit ${r.code}`}`,
          ErrorType.ManifestRefused,
        );
      return { text: r.stdout };
    },

    /**
     * Saves the original (once per run, outside the manifests folder), then writes the manifest with its
     * --etcd-servers changed, atomically, unless it has that list already. `kubeadmConfigFile`: the
     * node's kubeadm ClusterConfiguration file, brought along first (a file that cannot be edited
     * refuses the node before its manifest is touched; an absent one is said so).
     */
    async writeApiserverManifest(
      target: SshTarget,
      manifest: string,
      change: EtcdServersChange,
      runId: string,
      kubeadmConfigFile?: string,
    ): Promise<ManifestWrite> {
      const f = manifestFiles(manifest, runId);
      const kubeadm = kubeadmConfigFile
        ? {
            kubeadm: await writeKubeadmFile(
              remote,
              target,
              kubeadmConfigFile,
              f.dir,
              change,
            ),
          }
        : {};
      const marker = `\n--etcd-scaleout-${randomBytes(8).toString('hex')}--\n`;
      // The copy is made under a temporary name and renamed, so a crash never leaves half an original.
      const saved = await remote.mustRun(
        target,
        sh`[ -f ${manifest} ] || { echo 'no manifest at '${manifest} >&2; exit 3; }; ` +
          saveOriginalOnce(f, manifest) +
          sh`cat -- ${f.original} && printf %s ${marker} && cat -- ${manifest}`,
        'save kube-apiserver manifest',
      );
      checkpoint('writeApiserverManifest:after-save');
      const cut = saved.stdout.indexOf(marker);
      const originalText = saved.stdout.slice(0, cut);
      const current = saved.stdout.slice(cut + marker.length);
      let edit: ReturnType<typeof withEtcdServers>;
      let original: string[];
      try {
        original = etcdServersOf(originalText, f.original);
        edit = withEtcdServers(current, change, manifest);
      } catch (err) {
        if (err instanceof ManifestRefused) throw refused(err, target.host);
        throw err;
      }
      const result = {
        original,
        etcdServers: edit.after,
        backup: f.original,
        ...kubeadm,
      };
      const changedByRun =
        original.length !== edit.after.length ||
        original.some((s, i) => !sameServer(s, edit.after[i]));
      if (!edit.changed) return { written: changedByRun, ...result };
      await remote.mustRun(
        target,
        atomicReplace(f, manifest, sha256(current)),
        'write kube-apiserver manifest',
        edit.text,
      );
      checkpoint('writeApiserverManifest:after-write');
      return { written: true, ...result };
    },

    /** Puts this run's saved original back (atomically); a manifest equal to it, or no saved original, is left as it is. */
    async restoreApiserverManifest(
      target: SshTarget,
      manifest: string,
      runId: string,
      kubeadmConfigFile?: string,
    ): Promise<{
      restored: 'restored' | 'unchanged' | 'no-original';
      etcdServers?: string[];
      kubeadm?: KubeadmFileRestore;
    }> {
      const f = manifestFiles(manifest, runId);
      // kubeadm's copy first: a retry after a crash between the two finds it restored and the manifest next.
      const kubeadm = kubeadmConfigFile
        ? {
            kubeadm: await restoreKubeadmFile(
              remote,
              target,
              kubeadmConfigFile,
              f.dir,
            ),
          }
        : {};
      const r = await orByHand(
        target.host,
        `cp -p -- ${f.original} ${manifest}.new && mv -f -- ${manifest}.new ${manifest}`,
        () =>
          remote.mustRun(
            target,
            sh`if [ ! -e ${f.original} ]; then echo no-original; exit 0; fi; ` +
              sh`if cmp -s -- ${f.original} ${manifest}; then echo unchanged; else ` +
              chooseTmp(f) +
              sh`cp -p -- ${f.original} "$tmp" && mv -f -- "$tmp" ${manifest} && echo restored || exit 1; fi; ` +
              sh`printf '\\n'; cat -- ${f.original}`,
            'restore kube-apiserver manifest',
          ),
      );
      const [state, ...rest] = r.stdout.split('\n');
      const restored = state.trim() as 'restored' | 'unchanged' | 'no-original';
      if (restored === 'no-original') return { restored, ...kubeadm };
      let etcdServers: string[] | undefined;
      try {
        etcdServers = etcdServersOf(rest.join('\n'), f.original);
      } catch {
        etcdServers = undefined; // the original was restored as it was, whatever its list
      }
      return { restored, etcdServers, ...kubeadm };
    },
  };
}
