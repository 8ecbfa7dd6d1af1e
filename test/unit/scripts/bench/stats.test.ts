import assert from 'node:assert/strict';
import { benchConfig, parseCase } from '../../../../scripts/bench/config';
import { caseLine, median } from '../../../../scripts/bench/stats';
import { timelineLines } from '../../../../scripts/bench/timeline';

describe('bench arithmetic and settings', () => {
  it('takes the median of odd and even counts, NaN of none', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('prints the ratio of the medians, workflow over bare', () => {
    const line = caseLine({
      name: '3.6.14-small',
      bareMs: [4000, 4200, 3800],
      workflowMs: [3000, 3400, 3200],
      promoteLagMs: [100],
      historyEventsPerMember: [60],
      failures: [],
    });
    assert.match(line, /bare +4\.00 s/);
    assert.match(line, /workflow +3\.20 s/);
    assert.match(line, /ratio +0\.80/);
  });

  it('parses cases and refuses a malformed one', () => {
    assert.deepEqual(parseCase('3.6.14-200mb-tls'), {
      name: '3.6.14-200mb-tls',
      version: '3.6.14',
      dataMiB: 200,
      tls: true,
    });
    assert.deepEqual(parseCase('3.4.23-small'), {
      name: '3.4.23-small',
      version: '3.4.23',
      dataMiB: 0,
      tls: false,
    });
    assert.throws(() => parseCase('latest'), /expected <version>/);
    assert.equal(benchConfig({}).rounds, 3);
    assert.equal(
      benchConfig({
        BENCH_ROUNDS: '5',
        BENCH_CASES: '3.7.3-small',
        BENCH_CONCURRENT: '0',
      }).cases[0].version,
      '3.7.3',
    );
    assert.throws(() => benchConfig({ BENCH_ROUNDS: '0' }), /BENCH_ROUNDS/);
  });

  it('adds the 2 GB case with BENCH_LARGE=1, one round unless told', () => {
    const cfg = benchConfig({ BENCH_CASES: '3.6.14-small', BENCH_LARGE: '1' });
    assert.deepEqual(
      cfg.cases.map((c) => [c.name, c.dataMiB]),
      [
        ['3.6.14-small', 0],
        ['3.6.14-2000mb', 2000],
      ],
    );
    assert.equal(cfg.largeRounds, 1);
    assert.equal(benchConfig({}).cases.length, 4);
  });

  it('a line with no promotion lag says the catch-up promoted', () => {
    const line = caseLine({
      name: '3.6.14-small',
      bareMs: [1000],
      workflowMs: [1000],
      promoteLagMs: [],
      historyEventsPerMember: [90],
      failures: [],
    });
    assert.match(line, /promoted in the catch-up/);
  });

  it('the timeline gives activities that ran at once their wall time too', () => {
    const span = (type: string, start: number, end: number) => ({
      type,
      start,
      end,
      attempts: 1,
      waited: 0,
    });
    const lines = timelineLines(
      [
        span('updateMemberEnvFile', 0, 200),
        span('updateMemberEnvFile', 10, 210),
        span('verifyCluster', 300, 400),
      ],
      1000,
    ).split('\n');
    assert.match(lines[0], /updateMemberEnvFile +0\.40 s in 2, 0\.21 s wall/);
    assert.match(lines[1], /verifyCluster +0\.10 s in 1 \(attempts/);
    assert.match(lines[2], /no activity running\) +0\.69 s/);
  });
});
