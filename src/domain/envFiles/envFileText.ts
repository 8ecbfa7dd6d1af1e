/** Env-file text (systemd EnvironmentFile, Kubespray's /etc/etcd.env): parsed, and variables merged into it. Pure. */

/** Merges variables into env-file text: replaces existing assignments in place, appends the rest. */
export function mergeEnvFile(
  previous: string,
  vars: Record<string, string>,
): string {
  const pending = new Map(Object.entries(vars));
  // CRLF files (edited on Windows) are read like LF ones and written back with LF, as systemd reads both.
  const lines = previous
    .split(/\r?\n/)
    .filter((l, i, all) => !(i === all.length - 1 && l === ''));
  const out = lines.map((line) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(line);
    if (m && pending.has(m[1])) {
      const v = pending.get(m[1]) ?? '';
      pending.delete(m[1]);
      return `${m[1]}=${v}`;
    }
    if (m && vars[m[1]] !== undefined)
      return `# ${line} (duplicate, superseded by etcd-scaleout)`;
    return line;
  });
  if (pending.size) out.push('# membership written by etcd-scaleout');
  for (const [k, v] of pending) out.push(`${k}=${v}`);
  return `${out.join('\n')}\n`;
}

/** Parses `KEY=value` env-file text (systemd EnvironmentFile subset). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if (
      (v.startsWith('"') && v.endsWith('"')) ||
      (v.startsWith("'") && v.endsWith("'"))
    )
      v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}
