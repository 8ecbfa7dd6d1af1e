/**
 * An existing member's env file after the scale-out: the full member list written into it
 * (domain/envFiles/memberEnvUpdate.ts), every other byte kept, nothing restarted. The file travels between the
 * node and the worker as base64 (bytes exact whatever it holds) and is never returned: it may hold
 * secrets, and what an activity returns lands in the workflow history.
 *
 * The original is saved once per run beside the file (`<envFile>.<suffix>.bak`): systemd reads only
 * the file the unit names, so a copy there is read by nothing, and the restore (envFile.ts's
 * restoreEnvFile with the same suffix) finds it. The new text replaces the file by rename (atomic),
 * only if the file is still the one read (its SHA-256 is compared on the node first).
 */

import { createHash } from 'node:crypto';
import { updateMemberEnvText } from '../../domain/envFiles/memberEnvUpdate';
import { EnvDerivationError } from '../../domain/kubespray/kubesprayEnv';
import type { CheckpointHook } from '../checkpoints';
import { replaceFile } from './envFile';
import type { Remote } from './remote';
import { sh } from './shell';
import type { SshTarget } from './ssh';

export type MemberEnvFileWrite =
  | {
      /** updated: written now; unchanged: it already listed every member (an earlier attempt, or Kubespray). */
      state: 'updated' | 'unchanged';
      changed: string[];
      /** The original saved by this run, if it was saved. */
      backup: string | null;
    }
  /** The node has no env file there: nothing to update. */
  | { state: 'missing' }
  /** The file is not that member's, or the list does not name it: left as it is. */
  | { state: 'refused'; reason: string };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function createMemberEnvFileActivities(deps: {
  remote: Remote;
  checkpoint: CheckpointHook;
}) {
  const { remote, checkpoint } = deps;
  return {
    async updateMemberEnvFile(
      target: SshTarget,
      envFile: string,
      member: { name: string; peerURLs: string[] },
      initialCluster: string,
      backupSuffix: string,
    ): Promise<MemberEnvFileWrite> {
      const bak = `${envFile}.${backupSuffix}.bak`;
      const tmp = `${envFile}.${backupSuffix}.tmp`;
      const read = await remote.mustRun(
        target,
        sh`if [ -e ${envFile} ]; then echo present; base64 -w0 -- ${envFile} && echo; else echo absent; fi; [ -e ${bak} ] && echo saved || true`,
        `read ${envFile}`,
      );
      const [first, data = '', saved] = read.stdout.split('\n');
      if (first !== 'present') return { state: 'missing' };
      const current = Buffer.from(data, 'base64');
      let next: ReturnType<typeof updateMemberEnvText>;
      try {
        next = updateMemberEnvText(
          current.toString('latin1'),
          member,
          initialCluster,
        );
      } catch (err) {
        if (!(err instanceof EnvDerivationError)) throw err;
        return { state: 'refused', reason: `${envFile}: ${err.message}` };
      }
      if (!next.changed.length)
        return {
          state: 'unchanged',
          changed: [],
          backup: saved === 'saved' ? bak : null,
        };
      await remote.mustRun(
        target,
        sh`{ [ -e ${bak} ] || cp -p -- ${envFile} ${bak}; } || exit 1; ` +
          sh`[ "$(sha256sum < ${envFile} | cut -d' ' -f1)" = ${sha256(current)} ] || { echo "${envFile} changed while it was being updated" >&2; exit 1; }; ` +
          sh`base64 -d > ${tmp} && chmod --reference=${envFile} -- ${tmp} && chown --reference=${envFile} -- ${tmp} || exit 1; ` +
          replaceFile(tmp, envFile),
        `write ${envFile}`,
        Buffer.from(next.text, 'latin1').toString('base64'),
      );
      checkpoint('updateMemberEnvFile:after-write'); // written, but the answer never reaches Temporal
      return { state: 'updated', changed: next.changed, backup: bak };
    },
  };
}
