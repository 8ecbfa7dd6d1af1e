/**
 * Ansible's INI inventory (Kubespray's sample `inventory/sample/inventory.ini`), parsed into the shape
 * a YAML inventory has (`all: { hosts, vars, children }`), so one reader (kubesprayInventory.ts) makes
 * the same profile from either form. Pure.
 *
 * What Ansible's INI plugin reads, and so this parser: `[group]` sections of host lines
 * (`node1 ansible_host=95.54.0.12 ip=10.3.0.1 etcd_member_name=etcd1`, values quoted or not, `host:port`,
 * numeric and letter ranges `node[1:3]`), `[group:children]` sections of group names, `[group:vars]`
 * sections of `key=value` lines, hosts before any section (the `ungrouped` group), `#` and `;`
 * comment lines and `#` comments after a host line. Values stay text: Ansible evaluates unquoted
 * ones as Python literals, and every value this project reads is used as text.
 */

type Vars = Record<string, string>;

/** A line Ansible would refuse: `where` is `file:line`, `why` what is wrong with it. */
export class InventorySyntaxError extends Error {
  constructor(
    readonly where: string,
    readonly why: string,
  ) {
    super(`${where}: ${why}`);
    this.name = 'InventorySyntaxError';
  }
}

interface IniGroup {
  hosts: Map<string, Vars>;
  vars: Vars;
  children: string[];
}

/** The YAML shape of one group: hosts with their variables, group variables, child groups (by name). */
export interface InventoryGroupNode {
  hosts?: Record<string, Vars>;
  vars?: Vars;
  children?: Record<string, InventoryGroupNode | null>;
}

const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST_NAME = /^[A-Za-z0-9_[\]:.-]+$/;
const SECTION = /^\[([^\]]*)\]\s*$/;

/** Sets an own property, even one named `__proto__` (which a plain assignment would not). */
const setVar = (vars: Vars, key: string, value: string) =>
  Object.defineProperty(vars, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });

/** Splits a line the way Python's shlex does with comments on: quotes removed, `#` at a word's start ends it. */
export function splitWords(line: string): string[] | string {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) break;
    else if (c === '"' || c === "'") {
      const end = closingQuote(line, i);
      if (end < 0) return `the ${c} opened at column ${i + 1} is never closed`;
      const inner = line.slice(i + 1, end);
      word =
        (word ?? '') +
        (c === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner);
      i = end;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

function closingQuote(line: string, open: number): number {
  const q = line[open];
  for (let i = open + 1; i < line.length; i++) {
    if (q === '"' && line[i] === '\\') i++;
    else if (line[i] === q) return i;
  }
  return -1;
}

/** `node[1:3]` -> node1, node2, node3; `db-[a:c]` -> db-a, db-b, db-c; `[01:10:2]` keeps the padding. */
export function expandHostRange(pattern: string): string[] | string {
  const m = /^(.*?)\[([0-9]+|[a-z]):([0-9]+|[a-z])(?::([0-9]+))?\](.*)$/.exec(
    pattern,
  );
  if (!m) return [pattern];
  const [, head, from, to, step = '1', tail] = m;
  const stride = Number(step);
  const letters = /^[a-z]$/.test(from);
  if (letters !== /^[a-z]$/.test(to) || stride < 1)
    return `host range [${from}:${to}${m[4] ? `:${step}` : ''}] is not a range Ansible accepts`;
  const [a, b] = letters
    ? [from.charCodeAt(0), to.charCodeAt(0)]
    : [Number(from), Number(to)];
  if (b < a || (b - a) / stride > 1000)
    return `host range [${from}:${to}] is empty or longer than 1000 hosts`;
  const out: string[] = [];
  for (let v = a; v <= b; v += stride) {
    const part = letters
      ? String.fromCharCode(v)
      : String(v).padStart(from.startsWith('0') ? from.length : 0, '0');
    const rest = expandHostRange(`${part}${tail}`);
    if (typeof rest === 'string') return rest;
    out.push(...rest.map((r) => `${head}${r}`));
  }
  return out;
}

/** `key=value` (spaces around `=` allowed, value quoted or not, `#` comment after it) -> [key, value]. */
function variableOf(line: string): [string, string] | string {
  const eq = line.indexOf('=');
  if (eq < 0)
    return `expected key=value in a vars section, got ${JSON.stringify(line)}`;
  const key = line.slice(0, eq).trim();
  if (!VAR_NAME.test(key))
    return `${JSON.stringify(key)} is not a variable name (letters, digits and _, not starting with a digit)`;
  const raw = line.slice(eq + 1).trim();
  if (raw.startsWith('"') || raw.startsWith("'")) {
    const words = splitWords(raw);
    if (typeof words === 'string') return words;
    if (words.length > 1)
      return `the value of ${key} has text after its closing quote`;
    return [key, words[0] ?? ''];
  }
  return [key, raw.replace(/\s+#.*$/, '')];
}

/** One host line: its hosts (a range expanded, `host:port` split) and their variables. */
function hostLine(line: string): { hosts: string[]; vars: Vars } | string {
  const words = splitWords(line);
  if (typeof words === 'string') return words;
  const [pattern, ...assignments] = words;
  const vars: Vars = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0)
      return `expected key=value host variable after ${pattern}, got ${JSON.stringify(a)}`;
    const key = a.slice(0, eq);
    if (!VAR_NAME.test(key))
      return `${JSON.stringify(key)} is not a variable name (letters, digits and _, not starting with a digit)`;
    setVar(vars, key, a.slice(eq + 1));
  }
  let hostPattern = pattern;
  const port = /^([^:[\]]+|.*\]):([0-9]+)$/.exec(pattern);
  if (port && !pattern.startsWith('[')) {
    hostPattern = port[1];
    if (vars.ansible_port === undefined) setVar(vars, 'ansible_port', port[2]);
  }
  if (!HOST_NAME.test(hostPattern))
    return `${JSON.stringify(pattern)} is not a host name`;
  const hosts = expandHostRange(hostPattern);
  return typeof hosts === 'string' ? hosts : { hosts, vars };
}

type SectionKind = 'hosts' | 'children' | 'vars';

function sectionOf(
  header: string,
): { group: string; kind: SectionKind } | string {
  const [group, kind = 'hosts', ...more] = header.trim().split(':');
  if (more.length || !['hosts', 'children', 'vars'].includes(kind))
    return `[${header}] is not a section Ansible knows: [group], [group:children] or [group:vars]`;
  if (!GROUP_NAME.test(group))
    return `${JSON.stringify(group)} is not a group name (letters, digits, _, . and -)`;
  return { group, kind: kind as SectionKind };
}

/** Every group and its hosts, variables and children, as the file declares them, in file order. */
function readGroups(text: string, file: string): Map<string, IniGroup> {
  const groups = new Map<string, IniGroup>();
  const group = (name: string) => {
    let g = groups.get(name);
    if (!g) {
      g = { hosts: new Map(), vars: {}, children: [] };
      groups.set(name, g);
    }
    return g;
  };
  group('all');
  let section: { group: string; kind: SectionKind } = {
    group: 'ungrouped',
    kind: 'hosts',
  };
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const fail = (why: string): never => {
      throw new InventorySyntaxError(`${file}:${i + 1}`, why);
    };
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      const header = SECTION.exec(line.replace(/\s+[#;].*$/, ''));
      if (!header)
        fail(
          `${JSON.stringify(line)} is not a section header: it has no closing ]`,
        );
      const s = sectionOf((header as RegExpExecArray)[1]);
      section = typeof s === 'string' ? fail(s) : s;
      group(section.group);
      continue;
    }
    const g = group(section.group);
    if (section.kind === 'vars') {
      const v = variableOf(line);
      if (typeof v === 'string') fail(v);
      else setVar(g.vars, v[0], v[1]);
    } else if (section.kind === 'children') {
      const words = splitWords(line);
      if (typeof words === 'string') fail(words);
      else if (words.length !== 1 || !GROUP_NAME.test(words[0]))
        fail(
          `expected one group name in [${section.group}:children], got ${JSON.stringify(line)}`,
        );
      else if (!g.children.includes(words[0])) {
        g.children.push(words[0]);
        group(words[0]);
      }
    } else {
      const h = hostLine(line);
      if (typeof h === 'string') fail(h);
      else
        for (const host of h.hosts)
          g.hosts.set(host, { ...g.hosts.get(host), ...h.vars });
    }
  }
  return groups;
}

/**
 * An INI inventory's text as the YAML form's object: `{ all: { hosts, vars, children } }`, every group
 * a child of `all` (as Ansible makes every group), each with its own hosts, variables and children.
 * Throws InventorySyntaxError naming `file:line` and why for a line Ansible would refuse.
 */
export function parseIniInventory(
  text: string,
  file: string,
): { all: InventoryGroupNode } {
  const groups = readGroups(text, file);
  const nodeOf = (g: IniGroup): InventoryGroupNode => ({
    ...(g.hosts.size ? { hosts: Object.fromEntries(g.hosts) } : {}),
    ...(Object.keys(g.vars).length ? { vars: g.vars } : {}),
    ...(g.children.length
      ? { children: Object.fromEntries(g.children.map((c) => [c, null])) }
      : {}),
  });
  const all = nodeOf(groups.get('all') as IniGroup);
  const children: Record<string, InventoryGroupNode | null> = {
    ...all.children,
  };
  for (const [name, g] of groups)
    if (name !== 'all' && (name !== 'ungrouped' || g.hosts.size))
      children[name] = nodeOf(g);
  return { all: { ...all, children } };
}
