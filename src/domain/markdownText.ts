/**
 * Markdown building blocks for the audit report (and the run details the Temporal UI shows): quoted
 * text, table cells, code fences, short lines, durations. Everything a person or a failing process
 * wrote goes through `inline` or `codeBlock`, so it cannot add headings, links (bare URLs included),
 * images, HTML, emphasis or table columns to the report.
 */

/** Line breaks of every kind, flattened to a space: a quoted text stays on its line. */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;
/**
 * Characters with a meaning in CommonMark or GFM inline syntax, escaped with a backslash. `(`, `!`
 * and `.` only matter next to an (escaped) `[` or at a line's start; `_` only at a word's edge.
 */
const INLINE_SYNTAX = /[\\`*[\]#|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;
/** HTML's own metacharacters, as entities: a backslash does not stop an HTML block. */
const HTML = { '&': '&amp;', '<': '&lt;', '>': '&gt;' } as const;
/** What would start a list item or a setext heading underline at the start of a line. */
const BLOCK_START = /^(\s*)([-+=]|\d+(?=[.)]))/;

/**
 * Bare URLs (`scheme://...`) and `www.` names, which GitHub and most renderers turn into links by
 * themselves (GFM's autolinks): quoted as code, which no renderer links. A URL ends at whitespace, a
 * backtick (which would close the code) or `|` (which would end a table cell even inside code).
 */
const BARE_URL = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s`|]*/gi;

/** Text with its Markdown and HTML syntax escaped. */
const escaped = (text: string): string =>
  text
    .replace(/[&<>]/g, (c) => HTML[c as keyof typeof HTML])
    .replace(INLINE_SYNTAX, (c) => `\\${c}`);

/** Quoted text, shown literally wherever inline Markdown is allowed: never markup, never a link. */
export function inline(v: unknown): string {
  const text = String(v).replace(LINE_BREAKS, ' ');
  let out = '';
  let last = 0;
  for (const url of text.matchAll(BARE_URL)) {
    out += `${escaped(text.slice(last, url.index))}\`${url[0]}\``;
    last = url.index + url[0].length;
  }
  out += escaped(text.slice(last));
  return out.replace(BLOCK_START, (_m, space: string, mark: string) =>
    /^\d/.test(mark) ? `${space}${mark}\\` : `${space}\\${mark}`,
  );
}

/** A table cell: quoted text (pipes escaped, newlines flattened), absent values empty. */
export const cell = (v: unknown): string =>
  v === undefined || v === null || v === '' ? '' : inline(v);

/** A fenced block whose fence cannot be closed by the text inside it (a fence longer than any run of its character). */
export const codeBlock = (text: string): string => {
  const longest = (ch: string) =>
    Math.max(
      0,
      ...(text.match(new RegExp(`${ch}+`, 'g')) ?? []).map((run) => run.length),
    );
  const fence =
    longest('`') < 3 ? '```' : '~'.repeat(Math.max(4, longest('~') + 1));
  return `${fence}\n${text}\n${fence}`;
};

/** The first line, at most 300 characters. */
export const brief = (text: string): string => {
  const line = text.split('\n')[0];
  return line.length > 300
    ? `${line.slice(0, 300)}...`
    : line === text
      ? line
      : `${line} ...`;
};

export const duration = (n?: number): string =>
  n === undefined ? '' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;

export const bullets = (items: string[]): string[] =>
  items.map((i) => `- ${cell(i)}`);

/** Inline code whose delimiters cannot be closed by the text inside it. */
export const codeSpan = (v: unknown): string => {
  const text = String(v).replace(LINE_BREAKS, ' ');
  const longest = Math.max(
    0,
    ...(text.match(/`+/g) ?? []).map((run) => run.length),
  );
  const ticks = '`'.repeat(longest + 1);
  return longest ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`;
};
