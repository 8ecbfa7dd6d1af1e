/**
 * A test file's summary: each line logged as its test adds it, and all of them again after the
 * file's tests, under a title, so a run's measurements read together at the end of mocha's output.
 */
export class SummaryLines {
  readonly lines: string[] = [];

  /** Logs `line` now and keeps it for the summary. */
  add(line: string): void {
    this.lines.push(line);
    console.log(`      ${line}`);
  }

  /** Every line kept, under `title` (nothing when there is none). */
  print(title: string): void {
    if (this.lines.length)
      console.log(
        `\n      ${title}:\n${this.lines.map((l) => `      ${l}`).join('\n')}`,
      );
  }
}
