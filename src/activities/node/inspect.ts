/** Reading a new member's host before any change: one probe over SSH, parsed by nodeFacts. */

import { MACHINE_ID_FILE, parseMachineId } from './machineId';
import {
  classifyMemberDir,
  conflictingListeners,
  type ListeningSocket,
  parseEtcdVersion,
  parseProcNetTcp,
  type StaleKind,
  splitSections,
} from './nodeFacts';
import { type Remote, tail } from './remote';
import { sh } from './shell';
import type { SshTarget } from './ssh';

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
  /** /etc/machine-id (null: missing or empty); read in the same probe, so preflight asks each host once. */
  machineId?: string | null;
}

export function createNodeInspection(deps: { remote: Remote }) {
  return {
    /**
     * Reads, never changes: etcd version, data dir, env file, service state, listening ports (on
     * `bindAddress`, the member's listen address) and the machine ID, in one command: each SSH
     * session costs the node a fork and a shell (100-400 ms on a busy host), so one probe per host.
     */
    async inspectNode(
      target: SshTarget,
      paths: NodePaths,
      ports: number[],
      bindAddress = target.host,
    ): Promise<NodeFacts> {
      const member = `${paths.dataDir}/member`;
      const probe =
        sh`echo '--- version'; ${paths.etcdBinary} --version 2>&1; ` +
        sh`echo '--- member'; if [ -d ${member} ]; then echo present; ls -A ${member}; fi; ` +
        sh`echo '--- env'; if [ -e ${paths.envFile} ]; then echo present; fi; ` +
        sh`echo '--- service'; systemctl is-active -- ${paths.service} 2>&1; ` +
        sh`echo '--- machine-id'; cat -- ${MACHINE_ID_FILE} 2>/dev/null; ` +
        sh`echo '--- tcp'; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true`;
      const r = await deps.remote.mustRun(target, probe, 'node probe');
      const s = splitSections(r.stdout);
      const memberLines = (s.member ?? '').split('\n').filter(Boolean);
      const sockets = parseProcNetTcp(s.tcp ?? '');
      return {
        host: target.host,
        etcdVersion: parseEtcdVersion(s.version ?? ''),
        etcdVersionOutput: tail(s.version ?? '', 3),
        memberDir:
          memberLines[0] === 'present'
            ? {
                entries: memberLines.slice(1),
                kind: classifyMemberDir(memberLines.slice(1)),
              }
            : null,
        envFileExists: (s.env ?? '').includes('present'),
        serviceActive: (s.service ?? '').trim().split('\n')[0] === 'active',
        portConflicts: ports.flatMap((port) =>
          conflictingListeners(sockets, bindAddress, port).map((c) => ({
            ...c,
            wanted: port,
          })),
        ),
        machineId: parseMachineId(s['machine-id'] ?? ''),
      };
    },
  };
}
