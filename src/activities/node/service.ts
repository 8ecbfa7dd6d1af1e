/**
 * The node's etcd service, through systemctl. Idempotent: a running service is left running, an
 * inactive one counts as stopped. The unit always follows `--` (journalctl's is `--unit=`), so no
 * name is ever read as an option, whatever a profile says.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import type { CheckpointHook } from '../checkpoints';
import { orByHand } from './byHand';
import { type Remote, tail } from './remote';
import { sh } from './shell';
import type { SshTarget } from './ssh';

/**
 * How long `systemctl start` may take before the SSH command gives up: longer than systemd's
 * default TimeoutStartSec (90 s, which Kubespray's etcd unit keeps), so systemd, not this timeout,
 * decides that a start failed. A member joining a 2 GB cluster takes about 60 s to be ready (its
 * unit is Type=notify, so the start waits for it); the SSH runner's default 60 s cut it off and a
 * retry found the service running.
 */
export const START_COMMAND_TIMEOUT_MS = 150_000;

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
     * in one round trip); a failed start carries the service's last log lines.
     */
    async startService(
      target: SshTarget,
      service: string,
    ): Promise<{ alreadyActive: boolean }> {
      checkpoint('startService:before');
      const start = await remote.run(
        target,
        sh`if [ "$(systemctl is-active -- ${service} 2>/dev/null)" = active ]; then echo ${ALREADY_ACTIVE}; else systemctl start -- ${service}; fi`,
        undefined,
        START_COMMAND_TIMEOUT_MS,
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

    /** Stops the service; an inactive service counts as stopped. */
    async stopService(
      target: SshTarget,
      service: string,
    ): Promise<{ wasActive: boolean }> {
      checkpoint('stopService:before');
      const wasActive = await isActive(target, service);
      await orByHand(target.host, `systemctl stop ${service}`, () =>
        remote.mustRun(
          target,
          sh`systemctl stop -- ${service}`,
          'systemctl stop',
        ),
      );
      return { wasActive };
    },
  };
}
