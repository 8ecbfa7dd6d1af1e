/**
 * A joining member's first start, with the unit's start timeout raised for that one start.
 *
 * Kubespray's etcd.service is Type=notify with Restart=always and no TimeoutStartSec, so systemd's
 * default of 90 s applies, and a Type=notify start lasts until etcd is ready: for a learner that is
 * after it has received the leader's database, restored it and applied the tail. Near etcd's 2 GiB
 * quota that took ~7 s on the bench's loopback hosts with the cluster written to, and 61-151 s or
 * more on a quiet one, where etcd 3.6 holds the learner's publish until the next write is applied
 * (docs/performance.md); a slower disk or network takes longer. Past 90 s systemd kills the new member
 * half-way and the join fails (and Restart=always starts it again).
 *
 * The timeout is raised by a runtime drop-in, written, used and removed in one command: /run is a
 * tmpfs, so even a drop-in whose removal never ran (the host rebooted, the shell was killed) is gone
 * at the next boot, and the unit as Kubespray rendered it is never edited. A drop-in sorts by its file
 * name among the unit's others (/etc's, /run's), so one named later than 50- that sets
 * TimeoutStartSec still decides, as the operator meant.
 */
import {
  dropInDir,
  JOIN_DROP_IN,
  RUNTIME_UNIT_DIR,
} from '../../domain/run/joinDropIn';
import { sh } from './shell';

/**
 * Removes the drop-in, its folder when empty, and tells systemd, only if the drop-in is there (so the
 * undo of a join that never wrote one reloads nothing).
 */
const removal = (service: string, root: string) => {
  const file = `${dropInDir(service, root)}/${JOIN_DROP_IN}`;
  return sh`join_dropin_remove() { if [ -e ${file} ]; then rm -f ${file}; rmdir ${dropInDir(service, root)} 2>/dev/null; systemctl daemon-reload; fi; }`;
};

/**
 * The start command of a joining member: a running service is left running (it prints `alreadyActive`);
 * otherwise the drop-in setting TimeoutStartSec=`seconds`, a daemon-reload, the start, then the
 * drop-in's removal, which a trap runs whatever ends the shell (the start failed, a hang-up, a TERM).
 * The command's exit is the start's. The worker asks for no terminal, so a closed channel (its own
 * command timeout) signals nobody: the shell and `systemctl start` go on until the start has ended,
 * and only then is the drop-in removed. Were it removed while the unit is still starting, the
 * daemon-reload would cut that start back to the unit's own timeout.
 */
export function joinStartCommand(
  service: string,
  seconds: number,
  alreadyActive: string,
  root = RUNTIME_UNIT_DIR,
): string {
  const dir = dropInDir(service, root);
  const content = `# etcd-scaleout: a joining member's first start; removed once the start has ended\n[Service]\nTimeoutStartSec=${seconds}\n`;
  return [
    sh`if [ "$(systemctl is-active -- ${service} 2>/dev/null)" = active ]; then echo ${alreadyActive}; exit 0; fi`,
    removal(service, root),
    'trap join_dropin_remove EXIT',
    "trap 'exit 129' HUP",
    "trap 'exit 130' INT",
    "trap 'exit 143' TERM",
    sh`mkdir -p ${dir} && printf '%s' ${content} > ${`${dir}/${JOIN_DROP_IN}`} && systemctl daemon-reload && systemctl start -- ${service}`,
  ].join('\n');
}

/** For the undo of a join (stopService): a drop-in some start left behind is removed, and nothing else. */
export const joinDropInRemoval = (
  service: string,
  root = RUNTIME_UNIT_DIR,
): string => `${removal(service, root)}\njoin_dropin_remove`;
