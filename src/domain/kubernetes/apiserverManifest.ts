/**
 * kube-apiserver's static-pod manifest (Kubespray's and kubeadm's /etc/kubernetes/manifests/kube-apiserver.yaml):
 * the one edit a scale-out (and later a scale-in) makes to it, the value of `--etcd-servers=`.
 *
 * Pure text surgery, on purpose not a YAML round trip: the kubelet restarts the apiserver when the file
 * changes at all, and an operator reviews a diff, so every byte but the value stays as it was (line
 * endings, quoting, comments, key order). The existing order is kept and the new members are appended,
 * so the diff is one value on one line. The flag is found as a whole word (never
 * `--etcd-servers-overrides`), outside YAML comments, in any of the forms a manifest writes it:
 * `- --etcd-servers=...`, `- "--etcd-servers=..."`, `command: ["kube-apiserver", "--etcd-servers=..."]`.
 */

/** Why a manifest cannot be edited: an operator's to look at, never retried. */
export class ManifestRefused extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'ManifestRefused';
  }
}

export interface EtcdServersChange {
  /** Client URLs to append (in this order) unless already listed. */
  add?: string[];
  /** Client URLs to take out of the list. */
  remove?: string[];
}

export interface ManifestEdit {
  /** The manifest after the edit (the same text when nothing changes). */
  text: string;
  changed: boolean;
  /** The --etcd-servers list before and after, as written. */
  before: string[];
  after: string[];
  /** 1-based line of the flag, and that line before and after (without its line ending). */
  line: number;
  oldLine: string;
  newLine: string;
}

/** The flag as a whole word: not --etcd-servers-overrides, not --etcd-serversX. */
const FLAG = /--etcd-servers(?![\w-])/g;

/** `HTTPS://Host:2379/` and `https://host:2379` are one server. */
export function sameServer(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const url = new URL(u.trim());
      return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
    } catch {
      return u.trim().replace(/\/+$/, '');
    }
  };
  return norm(a) === norm(b);
}

interface Found {
  /** Offsets of the value in the text: [start, end). */
  start: number;
  end: number;
  line: number;
}

/** The line starting at `lineStart` is a YAML comment up to `at` (a `#` starts a comment there). */
function inComment(text: string, lineStart: number, at: number): boolean {
  const before = text.slice(lineStart, at);
  return /(^|\s)#/.test(before);
}

/** Every --etcd-servers occurrence outside comments, each with its value's offsets. */
function findFlags(text: string, file: string): Found[] {
  const found: Found[] = [];
  for (const m of text.matchAll(FLAG)) {
    const at = m.index ?? 0;
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    if (inComment(text, lineStart, at)) continue;
    const line = text.slice(0, at).split('\n').length;
    const after = at + m[0].length;
    if (text[after] !== '=')
      throw new ManifestRefused(
        file,
        `line ${line} gives --etcd-servers without "=" (its value as a separate argument): write it as --etcd-servers=<urls> first`,
      );
    const quote =
      text[at - 1] === '"' || text[at - 1] === "'" ? text[at - 1] : '';
    const start = after + 1;
    let end = start;
    const stop = quote
      ? new Set([quote, '\r', '\n'])
      : new Set([' ', '\t', '\r', '\n', ']', '"', "'"]);
    while (end < text.length && !stop.has(text[end])) end++;
    if (quote && text[end] !== quote)
      throw new ManifestRefused(
        file,
        `line ${line}: the quoted --etcd-servers argument is not closed on its line`,
      );
    found.push({ start, end, line });
  }
  return found;
}

/** The --etcd-servers list of a manifest, as written; refused unless it has exactly one such flag. */
export function etcdServersOf(text: string, file: string): string[] {
  const [flag] = exactlyOne(text, file);
  return splitServers(text.slice(flag.start, flag.end));
}

const splitServers = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function exactlyOne(text: string, file: string): [Found] {
  const found = findFlags(text, file);
  if (found.length === 0)
    throw new ManifestRefused(
      file,
      'has no --etcd-servers= flag: is it the kube-apiserver manifest?',
    );
  if (found.length > 1)
    throw new ManifestRefused(
      file,
      `has ${found.length} --etcd-servers flags (lines ${found.map((f) => f.line).join(', ')}): which one the apiserver uses is ambiguous, edit it by hand`,
    );
  return [found[0]];
}

const lineAt = (text: string, offset: number): string => {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  return text.slice(start, nl < 0 ? text.length : nl).replace(/\r$/, '');
};

/**
 * The manifest with its --etcd-servers list changed: `remove` taken out, `add` appended in order
 * unless already listed (so the edit is idempotent). Everything else byte for byte the same.
 * Refused (ManifestRefused) for a manifest with no or several flags, an empty value, or a change
 * that would leave no server.
 */
export function withEtcdServers(
  text: string,
  change: EtcdServersChange,
  file: string,
): ManifestEdit {
  const [flag] = exactlyOne(text, file);
  const value = text.slice(flag.start, flag.end);
  const before = splitServers(value);
  if (before.length === 0)
    throw new ManifestRefused(
      file,
      `line ${flag.line}: --etcd-servers= has no value`,
    );
  const remove = change.remove ?? [];
  const kept = before.filter((s) => !remove.some((r) => sameServer(r, s)));
  const after = [...kept];
  for (const a of change.add ?? [])
    if (!after.some((s) => sameServer(s, a))) after.push(a);
  if (after.length === 0)
    throw new ManifestRefused(
      file,
      'the change would leave --etcd-servers with no server',
    );
  const changed =
    after.length !== before.length || after.some((s, i) => s !== before[i]);
  // Unchanged: the text itself, even where the value's spacing is unusual.
  const next = changed
    ? text.slice(0, flag.start) + after.join(',') + text.slice(flag.end)
    : text;
  return {
    text: next,
    changed,
    before,
    after,
    line: flag.line,
    oldLine: lineAt(text, flag.start),
    newLine: lineAt(next, flag.start),
  };
}

/** The edit as a one-line unified diff for `plan`: `--- file` / `+++ file` / `@@ line N @@` / `-old` / `+new`. */
export function renderManifestDiff(file: string, edit: ManifestEdit): string[] {
  if (!edit.changed)
    return [`${file}: unchanged (--etcd-servers already lists every member)`];
  return [
    `--- ${file}`,
    `+++ ${file} (to be written)`,
    `@@ line ${edit.line} @@`,
    `-${edit.oldLine}`,
    `+${edit.newLine}`,
  ];
}
