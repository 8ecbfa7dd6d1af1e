// The spec reporter, plus, at the end: each file's time, the slowest first (what a change costs the suite),
// and the closing line 'N passed, N failed, N skipped' that CI reads.
// A file's time is the wall-clock time its hooks and tests ran (from each of its events to the next event of
// the run): a lab its before hook starts counts for its file, and the times add up to the run's. The root
// hooks (shared fixtures, the test stack, labs stopping in the background) are one line of their own.
// TEST_FILE_TIMES=<n> lists the n slowest files (default 10), TEST_FILE_TIMES=all every one.

const { relative } = require('node:path');
const Mocha = require('mocha');
const {
  EVENT_RUN_BEGIN,
  EVENT_RUN_END,
  EVENT_SUITE_BEGIN,
  EVENT_SUITE_END,
  EVENT_HOOK_BEGIN,
  EVENT_HOOK_END,
  EVENT_TEST_BEGIN,
  EVENT_TEST_END,
  EVENT_TEST_FAIL,
} = Mocha.Runner.constants;

const ROOT = '(root hooks)';

/** Wall-clock time charged to the file of the runnable running, as the run moves from one to the next. */
class FileTimes {
  constructor() {
    this.files = new Map(); // file -> { ms, tests, failed }
    this.current = ROOT;
    this.since = Date.now();
  }

  entry(file) {
    let e = this.files.get(file);
    if (!e) {
      e = { ms: 0, tests: 0, failed: 0 };
      this.files.set(file, e);
    }
    return e;
  }

  /** Charges the time since the last event to the file running until now; `file` runs from now on. */
  moveTo(file) {
    const now = Date.now();
    this.entry(this.current).ms += now - this.since;
    this.current = file;
    this.since = now;
  }

  /** The report's lines: the `limit` slowest files, then one line for the others. */
  lines(limit) {
    this.moveTo(ROOT);
    const all = [...this.files.entries()]
      .filter(([, e]) => e.ms > 0 || e.tests > 0)
      .sort((a, b) => b[1].ms - a[1].ms);
    const totalMs = all.reduce((sum, [, e]) => sum + e.ms, 0);
    const shown = all.slice(0, limit);
    const rest = all.slice(limit);
    const pct = (ms) => (totalMs ? (100 * ms) / totalMs : 0);
    const files = all.filter(([file]) => file !== ROOT).length;
    const out = [
      `files by time: ${files} files and the root hooks, ${(totalMs / 1000).toFixed(1)}s in all (TEST_FILE_TIMES=all lists every one)`,
    ];
    for (const [file, e] of shown) {
      const tests =
        file === ROOT
          ? ''
          : `  ${e.tests} tests${e.failed ? `, ${e.failed} failed` : ''}`;
      out.push(
        `  ${(e.ms / 1000).toFixed(1).padStart(8)}s ${pct(e.ms).toFixed(1).padStart(5)}%  ${file}${tests}`,
      );
    }
    if (rest.length) {
      const ms = rest.reduce((sum, [, e]) => sum + e.ms, 0);
      out.push(
        `  ${(ms / 1000).toFixed(1).padStart(8)}s ${pct(ms).toFixed(1).padStart(5)}%  the other ${rest.length} files`,
      );
    }
    return out;
  }
}

const fileOf = (runnable) =>
  runnable.file ? relative(process.cwd(), runnable.file) : ROOT;

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const times = new FileTimes();
    runner.once(EVENT_RUN_BEGIN, () => times.moveTo(ROOT));
    for (const event of [
      EVENT_SUITE_BEGIN,
      EVENT_SUITE_END,
      EVENT_HOOK_BEGIN,
      EVENT_HOOK_END,
      EVENT_TEST_BEGIN,
      EVENT_TEST_END,
    ])
      runner.on(event, (runnable) => times.moveTo(fileOf(runnable)));
    runner.on(EVENT_TEST_END, (test) => {
      times.entry(fileOf(test)).tests++;
    });
    runner.on(EVENT_TEST_FAIL, (test) => {
      // A failing hook is reported as a failure too; it counts for its file.
      times.entry(fileOf(test)).failed++;
    });
    runner.once(EVENT_RUN_END, () => {
      const wanted = process.env.TEST_FILE_TIMES;
      const limit =
        wanted === 'all' ? Number.POSITIVE_INFINITY : Number(wanted) || 10;
      process.stdout.write(`\n${times.lines(limit).join('\n')}\n`);
      const s = runner.stats;
      process.stdout.write(
        `\ntests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`,
      );
    });
  }
}
module.exports = SpecWithSummary;
