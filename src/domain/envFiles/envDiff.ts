/**
 * A unified-diff-like rendering of an env file change (the node's file now vs. the file the run would
 * write), for the dry run. Pure; env files are short, so a plain longest-common-subsequence is enough.
 */

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

const linesOf = (text: string | null) =>
  text ? text.replace(/\n$/, '').split('\n') : [];

/** The edit script from `a` to `b` (each op carries the 1-based positions it stands at). */
function editScript(a: string[], b: string[]): Op[] {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () =>
    new Array<number>(b.length + 1).fill(0),
  );
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i][j] =
        a[i] === b[j]
          ? lcs[i + 1][j + 1] + 1
          : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j])
      ops.push({ kind: ' ', line: a[i++], a: i, b: ++j });
    else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1]))
      ops.push({ kind: '-', line: a[i++], a: i, b: j });
    else ops.push({ kind: '+', line: b[j++], a: i, b: j });
  }
  return ops;
}

/**
 * `--- file (now)` / `+++ file (to be written)` and `@@ -a,n +b,m @@` hunks with `context` unchanged
 * lines around each change; a single line saying so when nothing changes. `current` null: no file.
 */
export function renderEnvDiff(
  file: string,
  current: string | null,
  next: string,
  context = 2,
): string[] {
  const ops = editScript(linesOf(current), linesOf(next));
  const changed = ops
    .map((o, k) => (o.kind !== ' ' ? k : -1))
    .filter((k) => k >= 0);
  if (changed.length === 0) return [`${file}: unchanged`];
  const out = [
    `--- ${file} (${current === null ? 'absent' : 'now'})`,
    `+++ ${file} (to be written)`,
  ];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k] - context);
    let end = changed[k];
    while (k < changed.length && changed[k] - end <= 2 * context)
      end = changed[k++];
    const hunk = ops.slice(start, Math.min(ops.length, end + context + 1));
    const olds = hunk.filter((o) => o.kind !== '+');
    const news = hunk.filter((o) => o.kind !== '-');
    // An empty side names the line before the hunk, as unified diffs do (0 at the top of the file).
    const aStart = olds.length ? olds[0].a : hunk[0].a;
    const bStart = news.length ? news[0].b : hunk[0].b;
    out.push(`@@ -${aStart},${olds.length} +${bStart},${news.length} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
  }
  return out;
}
