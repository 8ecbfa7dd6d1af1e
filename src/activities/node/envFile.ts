/**
 * The node's env file (Kubespray's /etc/etcd.env): the membership variables merged into it, and the
 * original put back on rollback. The original is saved once per run (`backupSuffix`), so a retry
 * merges into the same original and a restore finds it.
 *
 * The file is replaced by rename, which is atomic; an env file that is a mount point (a container's, a
 * ConfigMap's) refuses a rename (EBUSY), and then it is written in place, its original saved first.
 */
import { mergeEnvFile } from '../../domain/envFiles/envFileText';
import type { CheckpointHook } from '../checkpoints';
import { orByHand } from './byHand';
import type { Remote } from './remote';
import { sh } from './shell';
import type { SshTarget } from './ssh';

/**
 * Replaces `to` with `from`: by rename, or, when `to` is a mount point (rename refused with EBUSY), by
 * writing it in place and removing `from`. Prints `renamed` or `in-place`.
 */
export const replaceFile = (from: string, to: string): string =>
  sh`if err=$(mv -f -- ${from} ${to} 2>&1); then echo renamed; else case "$err" in *[Bb]usy*) cat -- ${from} > ${to} && rm -f -- ${from} && echo in-place ;; *) echo "$err" >&2; exit 1 ;; esac; fi`;

export function createEnvFileActivities(deps: {
  remote: Remote;
  checkpoint: CheckpointHook;
}) {
  const { remote, checkpoint } = deps;
  const names = (envFile: string, backupSuffix: string) => ({
    bak: `${envFile}.${backupSuffix}.bak`,
    absent: `${envFile}.${backupSuffix}.absent`,
    tmp: `${envFile}.${backupSuffix}.tmp`,
  });

  return {
    async writeEnvFile(
      target: SshTarget,
      envFile: string,
      vars: Record<string, string>,
      backupSuffix: string,
    ): Promise<{ backup: string | null; written?: 'renamed' | 'in-place' }> {
      const { bak, absent, tmp } = names(envFile, backupSuffix);
      const save = await remote.mustRun(
        target,
        sh`if [ ! -e ${bak} ] && [ ! -e ${absent} ]; then if [ -e ${envFile} ]; then cp -p -- ${envFile} ${bak}; else : > ${absent}; fi; fi; ` +
          sh`if [ -e ${bak} ]; then echo saved; cat -- ${bak}; else echo none; fi`,
        'save env file',
      );
      checkpoint('writeEnvFile:after-save');
      const [first, ...rest] = save.stdout.split('\n');
      const original = first === 'saved' ? rest.join('\n') : '';
      const w = await remote.mustRun(
        target,
        sh`umask 027; cat > ${tmp} || exit 1; ` + replaceFile(tmp, envFile),
        'write env file',
        mergeEnvFile(original, vars),
      );
      return {
        backup: first === 'saved' ? bak : null,
        written: w.stdout.includes('in-place') ? 'in-place' : 'renamed',
      };
    },

    /** Puts the env file back as it was before this run (or removes it if there was none). */
    async restoreEnvFile(
      target: SshTarget,
      envFile: string,
      backupSuffix: string,
    ): Promise<{ restored: 'previous' | 'removed' | 'untouched' }> {
      const { bak, absent } = names(envFile, backupSuffix);
      const r = await orByHand(
        target.host,
        `cp -p -- ${bak} ${envFile} (or rm -f -- ${envFile} if ${absent} exists)`,
        () =>
          remote.mustRun(
            target,
            sh`if [ -e ${bak} ]; then ` +
              replaceFile(bak, envFile) +
              sh` >/dev/null && echo previous; elif [ -e ${absent} ]; then rm -f -- ${envFile} ${absent} && echo removed; else echo untouched; fi`,
            'restore env file',
          ),
      );
      return {
        restored: r.stdout.trim() as 'previous' | 'removed' | 'untouched',
      };
    },
  };
}
