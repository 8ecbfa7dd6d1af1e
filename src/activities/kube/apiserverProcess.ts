/**
 * Which kube-apiserver process serves a node's /readyz, and the --etcd-servers it was started with:
 * read over SSH from /proc (its command line, its start time, its listening sockets), so the check is
 * of the process itself, not of the file the kubelet may not have acted on yet.
 *
 * The process is the kube-apiserver listening on the /readyz URL's port, on its address or a wildcard
 * (a node may run more than one apiserver binary only in a lab, where every node shares the machine's
 * process table; in production the static pod's process is in the host's network namespace either way).
 * The parse is pure, so it is unit tested without a node.
 */
import { IPV4 } from '../../domain/request/patterns';
import { type ListeningInode, parseListeningInodes } from '../node/nodeFacts';

/**
 * Prints, for each process whose executable is named kube-apiserver: `pid <n>`, `start <ticks since boot>`,
 * `socks <inode> ...`, `args <argv joined by \x01>`; then `tcp` and /proc/net/tcp and tcp6.
 */
export const APISERVER_PROBE = [
  'for d in /proc/[0-9]*; do',
  '  a0=$(tr "\\000" "\\n" < "$d/cmdline" 2>/dev/null | head -n 1)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, for the node's shell
  '  case "${a0##*/}" in kube-apiserver) ;; *) continue ;; esac',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, for the node's shell
  '  echo "pid ${d#/proc/}"',
  '  echo "start $(cut -d" " -f22 "$d/stat" 2>/dev/null)"',
  '  echo "socks $(ls -l "$d/fd" 2>/dev/null | sed -n "s/.*socket:\\[\\([0-9]*\\)\\].*/\\1/p" | tr "\\n" " ")"',
  '  printf "args "; tr "\\000" "\\001" < "$d/cmdline"; echo',
  'done',
  'echo tcp',
  'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null',
].join('\n');

export interface ApiserverProcess {
  pid: number;
  /** Start time in clock ticks since boot: a restarted process has another. */
  start: string;
  args: string[];
  sockets: string[];
}

export function parseProbe(stdout: string): {
  processes: ApiserverProcess[];
  listening: ListeningInode[];
} {
  const cut = stdout.indexOf('\ntcp\n');
  const head = cut < 0 ? stdout : stdout.slice(0, cut + 1);
  const processes: ApiserverProcess[] = [];
  for (const line of head.split('\n')) {
    const [key, ...rest] = line.split(' ');
    const value = rest.join(' ');
    if (key === 'pid')
      processes.push({ pid: Number(value), start: '', args: [], sockets: [] });
    const p = processes[processes.length - 1];
    if (!p) continue;
    if (key === 'start') p.start = value.trim();
    if (key === 'socks') p.sockets = value.trim().split(/\s+/).filter(Boolean);
    if (key === 'args') p.args = value.split('\x01').filter((a) => a !== '');
  }
  return {
    processes,
    listening: cut < 0 ? [] : parseListeningInodes(stdout.slice(cut + 5)),
  };
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** The --etcd-servers list of a command line (the last one given wins, as in the apiserver's flag parsing). */
export function etcdServersArg(args: string[]): string[] | undefined {
  let value: string | undefined;
  args.forEach((a, i) => {
    if (a.startsWith('--etcd-servers='))
      value = a.slice('--etcd-servers='.length);
    else if (a === '--etcd-servers') value = args[i + 1];
  });
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export type ServingProcess =
  | { found: true; process: ApiserverProcess }
  | { found: false; why: string };

/** The kube-apiserver that listens on host:port (the address itself, its v4-mapped form, or a wildcard). */
export function servingProcess(
  probe: ReturnType<typeof parseProbe>,
  host: string,
  port: number,
): ServingProcess {
  // A /readyz URL naming the host by name: any address of the node serves it.
  const anyAddress = !IPV4.test(host);
  const inodes = new Set(
    probe.listening
      .filter(
        (s) =>
          s.port === port &&
          (anyAddress ||
            s.address === host ||
            s.address === `::ffff:${host}` ||
            WILDCARDS.has(s.address)),
      )
      .map((s) => s.inode),
  );
  const serving = probe.processes.filter((p) =>
    p.sockets.some((i) => inodes.has(i)),
  );
  if (serving.length === 1) return { found: true, process: serving[0] };
  if (serving.length > 1)
    return {
      found: false,
      why: `${serving.length} kube-apiserver processes listen on ${host}:${port} (pids ${serving.map((p) => p.pid).join(', ')})`,
    };
  return {
    found: false,
    why: probe.processes.length
      ? `no kube-apiserver listens on ${host}:${port} yet (${probe.processes.length} kube-apiserver process(es) on the node, pids ${probe.processes.map((p) => p.pid).join(', ')})`
      : 'no kube-apiserver process runs on the node',
  };
}
