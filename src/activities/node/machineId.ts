/**
 * A node's machine identity (/etc/machine-id, systemd's): two new members on one machine would share
 * its disk and fate, so preflight refuses them even when their addresses differ.
 */
import type { Remote } from './remote';
import { sh } from './shell';
import type { SshTarget } from './ssh';

export const MACHINE_ID_FILE = '/etc/machine-id';

/** The ID in the file's text, or null when missing, empty or not systemd's 32 hex digits. */
export const parseMachineId = (text: string): string | null => {
  const id = text.trim();
  return /^[0-9a-f]{32}$/i.test(id) ? id.toLowerCase() : null;
};

export function createMachineIdActivities(deps: { remote: Remote }) {
  return {
    /** The node's machine ID, or null when the file is missing or empty (nothing to compare). */
    async readMachineId(
      target: SshTarget,
    ): Promise<{ host: string; machineId: string | null }> {
      const r = await deps.remote.run(
        target,
        sh`cat -- ${MACHINE_ID_FILE} 2>/dev/null || true`,
      );
      return { host: target.host, machineId: parseMachineId(r.stdout) };
    },
  };
}
