import assert from 'node:assert/strict';
import { benchConfig, parseCase } from '../../../../scripts/bench/config';
import { caseLine, median } from '../../../../scripts/bench/stats';

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
});
