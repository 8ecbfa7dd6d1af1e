/**
 * An existing member's env file (Kubespray's /etc/etcd.env) after a scale-out: the full member list in
 * ETCD_INITIAL_CLUSTER and ETCD_INITIAL_CLUSTER_STATE=existing, every other byte as it was. Pure.
 *
 * Why: etcd reads these two only when it bootstraps, so a running member ignores them (no restart is
 * needed, and none is made); but a member that later loses its data dir and starts again would
 * bootstrap from them, and the list Kubespray wrote names the old members only (Kubespray #13261).
 */
import { EnvDerivationError } from '../kubespray/kubesprayEnv';

/** The variables this update writes, in the order they are appended when a file lacks them. */
export const MEMBERSHIP_VARS = [
  'ETCD_INITIAL_CLUSTER',
  'ETCD_INITIAL_CLUSTER_STATE',
] as const;

const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)=(.*?)(\r?)$/;

/** A value as the line had it: in the same quotes, if it was quoted. */
function requote(old: string, value: string): string {
  const trimmed = old.trim();
  const q = trimmed[0];
  return (q === '"' || q === "'") && trimmed.endsWith(q) && trimmed.length > 1
    ? `${q}${value}${q}`
    : value;
}

/** The value of `name` as systemd reads it (the last assignment wins), unquoted. */
function assignedValue(lines: string[], name: string): string | undefined {
  let found: string | undefined;
  for (const line of lines) {
    const m = ASSIGNMENT.exec(line);
    if (m && m[2] === name) found = m[3].trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return found;
}

export interface MemberEnvUpdate {
  text: string;
  /** The variables whose value changes (empty: the file already says it). */
  changed: string[];
}

/**
 * `text` with ETCD_INITIAL_CLUSTER=`initialCluster` and ETCD_INITIAL_CLUSTER_STATE=existing: each
 * assignment's value replaced in place (its `export`, quotes and line ending kept), a missing one
 * appended; nothing else changes. Applying it twice gives the same text. Throws EnvDerivationError
 * when the file is not `member`'s (ETCD_NAME) or the list does not name it: writing it would be wrong.
 */
export function updateMemberEnvText(
  text: string,
  member: { name: string; peerURLs: string[] },
  initialCluster: string,
): MemberEnvUpdate {
  const lines = text.split('\n');
  const name = assignedValue(lines, 'ETCD_NAME');
  if (name !== member.name)
    throw new EnvDerivationError(
      'ETCD_NAME',
      `is ${name === undefined ? 'missing' : JSON.stringify(name)}: not the env file of member ${member.name}`,
    );
  if (
    !member.peerURLs.some((u) =>
      initialCluster.split(',').includes(`${member.name}=${u}`),
    )
  )
    throw new EnvDerivationError(
      'ETCD_INITIAL_CLUSTER',
      `${initialCluster} does not list member ${member.name} at its peer URL`,
    );
  const want: Record<string, string> = {
    ETCD_INITIAL_CLUSTER: initialCluster,
    ETCD_INITIAL_CLUSTER_STATE: 'existing',
  };
  const changed = MEMBERSHIP_VARS.filter(
    // Order counts: the same members in another order are written in the one order (planning/memberOrder.ts).
    (v) => assignedValue(lines, v) !== want[v],
  );
  if (!changed.length) return { text, changed: [] };
  const seen = new Set<string>();
  const out = lines.map((line) => {
    const m = ASSIGNMENT.exec(line);
    if (!m || !(m[2] in want)) return line;
    seen.add(m[2]);
    return `${m[1]}${m[2]}=${requote(m[3], want[m[2]])}${m[4]}`;
  });
  const missing = MEMBERSHIP_VARS.filter((v) => !seen.has(v));
  if (missing.length) {
    const eol = /\r$/.test(lines[0] ?? '') ? '\r\n' : '\n';
    // text ends with a newline (or is empty): the last element is '' and new lines go before it.
    const tail = out[out.length - 1] === '' ? out.pop() : undefined;
    if (tail === undefined && out.length)
      out[out.length - 1] += eol.slice(0, -1);
    for (const v of missing) out.push(`${v}=${want[v]}${eol.slice(0, -1)}`);
    out.push('');
  }
  return { text: out.join('\n'), changed };
}

/** What an operator writes by hand in a member's env file that could not be reached (no restart needed). */
export const membershipLines = (initialCluster: string): string[] => [
  `ETCD_INITIAL_CLUSTER=${initialCluster}`,
  'ETCD_INITIAL_CLUSTER_STATE=existing',
];
