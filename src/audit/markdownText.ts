/** Markdown building blocks for the audit report: table cells, code fences, short lines, durations. */

/** A table cell: pipes escaped, newlines flattened, absent values empty. */
export const cell = (v: unknown): string => (v === undefined || v === null || v === '' ? '' : String(v).replace(/\|/g, '\\|').replace(/\r?\n/g, ' '));

/** A fenced block whose fence cannot be closed by the text inside it. */
export const codeBlock = (text: string): string => {
  const fence = text.includes('```') ? '~~~~' : '```';
  return `${fence}\n${text}\n${fence}`;
};

/** The first line, at most 300 characters. */
export const brief = (text: string): string => {
  const line = text.split('\n')[0];
  return line.length > 300 ? `${line.slice(0, 300)}...` : line === text ? line : `${line} ...`;
};

export const duration = (n?: number): string => (n === undefined ? '' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);

export const bullets = (items: string[]): string[] => items.map((i) => `- ${cell(i)}`);
