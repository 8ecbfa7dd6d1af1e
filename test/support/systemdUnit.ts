/**
 * A systemd service unit read as systemd reads it, for running it where there is no systemd
 * (test/integration/production-guide.test.ts): its [Service] Environment= and EnvironmentFile= lines
 * (the files' settings over Environment=), WorkingDirectory=, and ExecStartPre=/ExecStart= split into
 * words with systemd's quoting and its `$$`, `${VAR}` and `$VAR` substitution, the command searched in
 * systemd's fixed path when it names no folder. Only what the repository's units use; anything else in
 * an Exec line (specifiers, prefixes but `-`) is refused rather than guessed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The PATH systemd gives services, and where it looks for a command named without a folder. */
export const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin';

export interface ServiceUnit {
  file: string;
  user?: string;
  workingDirectory?: string;
  /** The environment systemd gives the service's processes (PATH and the unit's settings). */
  env: Record<string, string>;
  execStartPre: string[][];
  execStart: string[];
}

/** [Service] settings in file order: one entry per line, continuation lines joined. */
function serviceSettings(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let section = '';
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (section === 'Service' && eq > 0)
      out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}

/** systemd's word splitting: whitespace-separated, '...' and "..." quoted, C escapes in both. */
function words(value: string): Array<{ text: string; quoted: boolean }> {
  const out: Array<{ text: string; quoted: boolean }> = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /\s/.test(value[i])) i++;
    if (i >= value.length) break;
    let text = '';
    let quoted = false;
    while (i < value.length && !/\s/.test(value[i])) {
      const q = value[i];
      if (q === '"' || q === "'") {
        quoted = true;
        const end = value.indexOf(q, i + 1);
        if (end < 0) throw new Error(`unbalanced ${q} in: ${value}`);
        text += value.slice(i + 1, end).replace(/\\(.)/g, '$1');
        i = end + 1;
      } else if (q === '\\' && i + 1 < value.length) {
        text += value[i + 1];
        i += 2;
      } else text += value[i++];
    }
    out.push({ text, quoted });
  }
  return out;
}

/** An env file: KEY=VALUE lines, # and ; comments, values optionally quoted. */
export function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${file}: not KEY=VALUE: ${line}`);
    const value = line.slice(eq + 1).trim();
    env[line.slice(0, eq).trim()] = /^(["']).*\1$/.test(value)
      ? value.slice(1, -1)
      : value;
  }
  return env;
}

/** An Exec line's argv after systemd's substitution, its command resolved. */
function command(line: string, env: Record<string, string>): string[] {
  if (/%[a-zA-Z]/.test(line))
    throw new Error(`unit specifiers are not supported here: ${line}`);
  const argv: string[] = [];
  for (const w of words(line.replace(/^-/, ''))) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w.text);
    if (whole && !w.quoted) {
      argv.push(...(env[whole[1]] ?? '').split(/\s+/).filter(Boolean));
      continue;
    }
    argv.push(
      w.text
        .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v) => env[v] ?? '')
        .replace(/\$\$/g, '$'),
    );
  }
  if (/^[@:+!]/.test(argv[0] ?? ''))
    throw new Error(`Exec prefixes other than "-" are not supported: ${line}`);
  if (!argv[0].includes('/')) {
    const dir = SYSTEMD_PATH.split(':').find((d) =>
      existsSync(join(d, argv[0])),
    );
    if (!dir) throw new Error(`${argv[0]} is not in ${SYSTEMD_PATH}`);
    argv[0] = join(dir, argv[0]);
  }
  return argv;
}

/** `envFiles: false` leaves the EnvironmentFile= files unread (the repository's units, not installed). */
export function readServiceUnit(
  file: string,
  { envFiles = true }: { envFiles?: boolean } = {},
): ServiceUnit & { environmentFiles: string[] } {
  const settings = serviceSettings(readFileSync(file, 'utf8'));
  const fromLines: Record<string, string> = {};
  const fromFiles: Record<string, string> = {};
  let user: string | undefined;
  let workingDirectory: string | undefined;
  const environmentFiles: string[] = [];
  for (const [key, value] of settings) {
    if (key === 'Environment')
      for (const w of words(value)) {
        const eq = w.text.indexOf('=');
        fromLines[w.text.slice(0, eq)] = w.text.slice(eq + 1);
      }
    else if (key === 'EnvironmentFile') {
      const optional = value.startsWith('-');
      const path = value.replace(/^-/, '');
      environmentFiles.push(path);
      if (envFiles && (existsSync(path) || !optional))
        Object.assign(fromFiles, readEnvFile(path));
    } else if (key === 'User') user = value;
    else if (key === 'WorkingDirectory') workingDirectory = value;
  }
  // Settings from EnvironmentFile= override those of Environment= (systemd.exec(5)).
  const env = { PATH: SYSTEMD_PATH, ...fromLines, ...fromFiles };
  const execLines = (key: string) =>
    settings.filter(([k]) => k === key).map(([, v]) => command(v, env));
  const starts = execLines('ExecStart');
  if (starts.length !== 1)
    throw new Error(`${file}: ${starts.length} ExecStart lines, expected one`);
  return {
    file,
    user,
    workingDirectory,
    env,
    environmentFiles,
    execStartPre: execLines('ExecStartPre'),
    execStart: starts[0],
  };
}
