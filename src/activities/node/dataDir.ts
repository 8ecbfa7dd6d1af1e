/**
 * A stale `<dataDir>/member` (another cluster's state, an earlier removed attempt) makes etcd dial
 * old peers or exit (docs/etcd-behaviour.md): it is moved aside, never deleted, so nothing is lost.
 */
import { orByHand } from './byHand';
import type { Remote } from './remote';
import { sh } from './shell';
import type { SshTarget } from './ssh';

export function createDataDirActivities(deps: { remote: Remote }) {
  return {
    /** Moves `<dataDir>/member` to `member.quarantined-<stamp>`. Absent already counts as done. */
    async quarantineDataDir(
      target: SshTarget,
      dataDir: string,
      stamp: string,
    ): Promise<{ movedTo: string | null }> {
      const member = `${dataDir}/member`;
      const dest = `${dataDir}/member.quarantined-${stamp}`;
      const r = await orByHand(target.host, `mv -- ${member} ${dest}`, () =>
        deps.remote.mustRun(
          target,
          sh`if [ -e ${member} ]; then mv -- ${member} ${dest} && echo moved; else echo absent; fi`,
          'quarantine data dir',
        ),
      );
      return { movedTo: r.stdout.includes('moved') ? dest : null };
    },
  };
}
