/**
 * The one quoting helper for commands sent to nodes. Every remote command is built with `sh`,
 * which single-quotes each interpolated value, so no input reaches a node's shell unquoted.
 */
export function quote(value: string | number): string {
  const s = String(value);
  if (s.includes('\0'))
    throw new Error('a shell argument must not contain NUL');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Tagged template: sh`mv ${from} ${to}` quotes `from` and `to`. Arrays become quoted word lists. */
export function sh(
  strings: TemplateStringsArray,
  ...values: Array<string | number | Array<string | number>>
): string {
  let out = strings[0];
  values.forEach((v, i) => {
    out +=
      (Array.isArray(v) ? v.map(quote).join(' ') : quote(v)) + strings[i + 1];
  });
  return out;
}
