/**
 * The node's env file (Kubespray's /etc/etcd.env): the membership variables merged into it, and the
 * original put back on rollback. The original is saved once per run (`backupSuffix`), so a retry
 * merges into the same original and a restore finds it.
 */
import { mergeEnvFile } from '../../domain/planning';
import type { CheckpointHook } from '../checkpoints';
import type { Remote } from './remote';
import { sh } from './shell';
import type { SshTarget } from './ssh';

export function createEnvFileActivities(deps: { remote: Remote; checkpoint: CheckpointHook }) {
  const { remote, checkpoint } = deps;
  const names = (envFile: string, backupSuffix: string) => ({
    bak: `${envFile}.${backupSuffix}.bak`,
    absent: `${envFile}.${backupSuffix}.absent`,
    tmp: `${envFile}.${backupSuffix}.tmp`,
  });

  return {
    async writeEnvFile(target: SshTarget, envFile: string, vars: Record<string, string>, backupSuffix: string): Promise<{ backup: string | null }> {
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
      await remote.mustRun(target, sh`umask 027; cat > ${tmp} && mv -f -- ${tmp} ${envFile}`, 'write env file', mergeEnvFile(original, vars));
      return { backup: first === 'saved' ? bak : null };
    },

    /** Puts the env file back as it was before this run (or removes it if there was none). */
    async restoreEnvFile(target: SshTarget, envFile: string, backupSuffix: string): Promise<{ restored: 'previous' | 'removed' | 'untouched' }> {
      const { bak, absent } = names(envFile, backupSuffix);
      const r = await remote.mustRun(
        target,
        sh`if [ -e ${bak} ]; then mv -f -- ${bak} ${envFile} && echo previous; elif [ -e ${absent} ]; then rm -f -- ${envFile} ${absent} && echo removed; else echo untouched; fi`,
        'restore env file',
      );
      return { restored: r.stdout.trim() as 'previous' | 'removed' | 'untouched' };
    },
  };
}
