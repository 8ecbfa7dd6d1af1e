/**
 * The node's etcd service, through systemctl. Idempotent: a running service is left running, an
 * inactive one counts as stopped. The unit always follows `--` (journalctl's is `--unit=`), so no
 * name is ever read as an option, whatever a profile says.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import type { CheckpointHook } from '../checkpoints';
import { orByHand } from './byHand';
import { joinDropInRemoval, joinStartCommand } from './joinStart';
import { type Remote, tail } from './remote';
import { sh } from './shell';
import type { SshTarget } from './ssh';

/**
 * How long `systemctl start` may take before the SSH command gives up, for a start scheduled without a
 * start timeout (by a run of the code before joinStart.ts): longer than systemd's default
 * TimeoutStartSec (90 s, which Kubespray's etcd unit keeps), so systemd, not this timeout, decides
 * that a start failed.
 */
export const START_COMMAND_TIMEOUT_MS = 150_000;

/**
 * The SSH command's margin over the unit's start timeout: the daemon-reloads, and systemd's stop of a
 * start that timed out (so the unit's timeout, not the command's, decides). 90 s + 60 s = the 150 s above.
 */
export const START_COMMAND_MARGIN_MS = 60_000;

/** What the start command prints when the service was running already. */
const ALREADY_ACTIVE = 'etcd-scaleout:already-active';

export function createServiceActivities(deps: {
  remote: Remote;
  checkpoint: CheckpointHook;
}) {
  const { remote, checkpoint } = deps;
  const isActive = async (target: SshTarget, service: string) => {
    const r = await remote.run(target, sh`systemctl is-active -- ${service}`);
    return r.code === 0 && r.stdout.trim() === 'active';
  };

  return {
    /**
     * Starts the service unless it is running, in one command on the node (the check and the start
     * in one round trip); a failed start carries the service's last log lines. Only a joining member
     * is started this way (its first start): `timeoutStartSec` raises the unit's start timeout for
     * that start (joinStart.ts); a start scheduled without it (a run of older code) is a plain start.
     */
    async startService(
      target: SshTarget,
      service: string,
      timeoutStartSec?: number,
    ): Promise<{ alreadyActive: boolean }> {
      checkpoint('startService:before');
      const start = await remote.run(
        target,
        timeoutStartSec === undefined
          ? sh`if [ "$(systemctl is-active -- ${service} 2>/dev/null)" = active ]; then echo ${ALREADY_ACTIVE}; else systemctl start -- ${service}; fi`
          : joinStartCommand(service, timeoutStartSec, ALREADY_ACTIVE),
        undefined,
        timeoutStartSec === undefined
          ? START_COMMAND_TIMEOUT_MS
          : timeoutStartSec * 1000 + START_COMMAND_MARGIN_MS,
      );
      if (start.code === 0 && start.stdout.trim() === ALREADY_ACTIVE)
        return { alreadyActive: true };
      if (start.code !== 0) {
        const log = await remote.run(
          target,
          sh`journalctl --unit=${service} -n 20 --no-pager 2>&1 || true`,
        );
        throw ApplicationFailure.retryable(
          `systemctl start ${service} on ${target.host} failed (exit ${start.code}): ${tail(start.stderr || start.stdout, 5)}\nlast log lines:\n${tail(log.stdout, 6)}`,
          ErrorType.ServiceStartFailed,
        );
      }
      checkpoint('startService:after-start');
      return { alreadyActive: false };
    },

    /**
     * Stops the service; an inactive service counts as stopped. A join's start timeout drop-in that a
     * start left behind (its shell killed before its trap ran) is removed too, so the undo of a join
     * leaves the unit as it found it; the drop-in is only ever this product's (joinStart.ts).
     */
    async stopService(
      target: SshTarget,
      service: string,
    ): Promise<{ wasActive: boolean }> {
      checkpoint('stopService:before');
      const wasActive = await isActive(target, service);
      await orByHand(target.host, `systemctl stop ${service}`, () =>
        remote.mustRun(
          target,
          `${sh`systemctl stop -- ${service}`} && { ${joinDropInRemoval(service)}; }`,
          'systemctl stop',
        ),
      );
      return { wasActive };
    },
  };
}
