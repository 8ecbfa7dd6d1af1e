/**
 * Reads an etcd env file on a node (a healthy member's, as the template for a new member's env, or
 * the new node's own, for the dry run's diff). Values of secret-looking variables are withheld on the
 * worker before the text goes anywhere (results land in the workflow history).
 */
import { withholdSecrets } from '../../domain/envFiles/envSecrets';
import { remote } from './remote';
import { sh } from './shell';
import type { SshRunner, SshTarget } from './ssh';

/** An env file as read on its node: its text (secret-looking values withheld), or exists: false. */
export interface EnvFileRead {
  exists: boolean;
  text: string;
}

export function createEnvSourceActivities(deps: { ssh: SshRunner }) {
  return {
    /** The env file's text (secret-looking values withheld), or exists: false. Reads only. */
    async readEnvFile(
      target: SshTarget,
      envFile: string,
    ): Promise<EnvFileRead> {
      const r = await remote(deps.ssh).mustRun(
        target,
        sh`if [ -e ${envFile} ]; then echo present; cat -- ${envFile}; else echo absent; fi`,
        `read ${envFile}`,
      );
      const [first, ...rest] = r.stdout.split('\n');
      return first === 'present'
        ? { exists: true, text: withholdSecrets(rest.join('\n')) }
        : { exists: false, text: '' };
    },
  };
}

export type EnvSourceActivities = ReturnType<typeof createEnvSourceActivities>;
