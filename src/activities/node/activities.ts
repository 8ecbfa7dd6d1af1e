/**
 * The node adapter: what happens on a new member's host, over SSH. Every command is built with the
 * quoting helper `sh`. Every activity is idempotent: the env file's backup is taken once per run and
 * reused, a running service is left running, a missing member/ dir is already quarantined.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import { mergeEnvFile } from '../../domain/planning';
import { classifyMemberDir, conflictingListeners, parseEtcdVersion, parseProcNetTcp, splitSections, type ListeningSocket, type StaleKind } from './nodeFacts';
import { sh } from './shell';
import { killPoint } from '../liveness';
import type { SshRunner, SshTarget } from './ssh';

export interface NodePaths {
  envFile: string;
  dataDir: string;
  service: string;
  etcdBinary: string;
}

export interface NodeFacts {
  host: string;
  etcdVersion?: string;
  etcdVersionOutput: string;
  memberDir: { entries: string[]; kind: StaleKind } | null;
  envFileExists: boolean;
  serviceActive: boolean;
  portConflicts: Array<ListeningSocket & { wanted: number }>;
}

/** The last lines of a command's output, each cut short: enough for an operator, not a log dump. */
const tail = (text: string, lines = 15) =>
  text
    .trim()
    .split('\n')
    .slice(-lines)
    .map((l) => (l.length > 240 ? `${l.slice(0, 240)}...` : l))
    .join('\n');

export function createNodeActivities(deps: { ssh: SshRunner }) {
  const run = async (target: SshTarget, command: string, what: string, input?: string) => {
    const r = await deps.ssh.run(target, command, { input });
    return { ...r, what };
  };
  const mustRun = async (target: SshTarget, command: string, what: string, input?: string) => {
    const r = await run(target, command, what, input);
    if (r.code !== 0) {
      throw ApplicationFailure.retryable(`${what} on ${target.host} exited ${r.code}: ${tail(r.stderr || r.stdout, 8)}`, ErrorType.RemoteCommandFailed);
    }
    return r;
  };

  return {
    /** Reads, never changes: etcd version, data dir, env file, service state and listening ports. */
    async inspectNode(target: SshTarget, paths: NodePaths, ports: number[]): Promise<NodeFacts> {
      const member = `${paths.dataDir}/member`;
      const probe =
        sh`echo '--- version'; ${paths.etcdBinary} --version 2>&1; ` +
        sh`echo '--- member'; if [ -d ${member} ]; then echo present; ls -A ${member}; fi; ` +
        sh`echo '--- env'; if [ -e ${paths.envFile} ]; then echo present; fi; ` +
        sh`echo '--- service'; systemctl is-active ${paths.service} 2>&1; ` +
        sh`echo '--- tcp'; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true`;
      const r = await mustRun(target, probe, 'node probe');
      const s = splitSections(r.stdout);
      const memberLines = (s.member ?? '').split('\n').filter(Boolean);
      const sockets = parseProcNetTcp(s.tcp ?? '');
      return {
        host: target.host,
        etcdVersion: parseEtcdVersion(s.version ?? ''),
        etcdVersionOutput: tail(s.version ?? '', 3),
        memberDir: memberLines[0] === 'present' ? { entries: memberLines.slice(1), kind: classifyMemberDir(memberLines.slice(1)) } : null,
        envFileExists: (s.env ?? '').includes('present'),
        serviceActive: (s.service ?? '').trim().split('\n')[0] === 'active',
        portConflicts: ports.flatMap((port) => conflictingListeners(sockets, target.host, port).map((c) => ({ ...c, wanted: port }))),
      };
    },

    /** Moves `<dataDir>/member` aside (never deletes). Absent already counts as done. */
    async quarantineDataDir(target: SshTarget, dataDir: string, stamp: string): Promise<{ movedTo: string | null }> {
      const member = `${dataDir}/member`;
      const dest = `${dataDir}/member.quarantined-${stamp}`;
      const r = await mustRun(target, sh`if [ -e ${member} ]; then mv -- ${member} ${dest} && echo moved; else echo absent; fi`, 'quarantine data dir');
      return { movedTo: r.stdout.includes('moved') ? dest : null };
    },

    /**
     * Writes the membership variables into the env file, merged into the node's original file. The
     * original is saved once per run (`backupSuffix`), so a retry merges into the same original.
     */
    async writeEnvFile(target: SshTarget, envFile: string, vars: Record<string, string>, backupSuffix: string): Promise<{ backup: string | null }> {
      const bak = `${envFile}.${backupSuffix}.bak`;
      const absent = `${envFile}.${backupSuffix}.absent`;
      const save = await mustRun(
        target,
        sh`if [ ! -e ${bak} ] && [ ! -e ${absent} ]; then if [ -e ${envFile} ]; then cp -p -- ${envFile} ${bak}; else : > ${absent}; fi; fi; ` +
          sh`if [ -e ${bak} ]; then echo saved; cat -- ${bak}; else echo none; fi`,
        'save env file',
      );
      killPoint('writeEnvFile:after-save');
      const [first, ...rest] = save.stdout.split('\n');
      const original = first === 'saved' ? rest.join('\n') : '';
      const tmp = `${envFile}.${backupSuffix}.tmp`;
      await mustRun(target, sh`umask 027; cat > ${tmp} && mv -f -- ${tmp} ${envFile}`, 'write env file', mergeEnvFile(original, vars));
      return { backup: first === 'saved' ? bak : null };
    },

    /** Puts the env file back as it was before this run (or removes it if there was none). */
    async restoreEnvFile(target: SshTarget, envFile: string, backupSuffix: string): Promise<{ restored: 'previous' | 'removed' | 'untouched' }> {
      const bak = `${envFile}.${backupSuffix}.bak`;
      const absent = `${envFile}.${backupSuffix}.absent`;
      const r = await mustRun(
        target,
        sh`if [ -e ${bak} ]; then mv -f -- ${bak} ${envFile} && echo previous; elif [ -e ${absent} ]; then rm -f -- ${envFile} ${absent} && echo removed; else echo untouched; fi`,
        'restore env file',
      );
      return { restored: r.stdout.trim() as 'previous' | 'removed' | 'untouched' };
    },

    /** Starts the service unless it is running; a failed start carries the service's last log lines. */
    async startService(target: SshTarget, service: string): Promise<{ alreadyActive: boolean }> {
      killPoint('startService:before');
      const active = await run(target, sh`systemctl is-active ${service}`, 'is-active');
      if (active.code === 0 && active.stdout.trim() === 'active') return { alreadyActive: true };
      const start = await run(target, sh`systemctl start ${service}`, 'systemctl start');
      if (start.code !== 0) {
        const log = await run(target, sh`journalctl -u ${service} -n 20 --no-pager 2>&1 || true`, 'journalctl');
        throw ApplicationFailure.retryable(
          `systemctl start ${service} on ${target.host} failed (exit ${start.code}): ${tail(start.stderr || start.stdout, 5)}\nlast log lines:\n${tail(log.stdout, 6)}`,
          ErrorType.ServiceStartFailed,
        );
      }
      killPoint('startService:after-start');
      return { alreadyActive: false };
    },

    /** Stops the service; an inactive service counts as stopped. */
    async stopService(target: SshTarget, service: string): Promise<{ wasActive: boolean }> {
      killPoint('stopService:before');
      const active = await run(target, sh`systemctl is-active ${service}`, 'is-active');
      await mustRun(target, sh`systemctl stop ${service}`, 'systemctl stop');
      return { wasActive: active.stdout.trim() === 'active' };
    },
  };
}

export type NodeActivities = ReturnType<typeof createNodeActivities>;
