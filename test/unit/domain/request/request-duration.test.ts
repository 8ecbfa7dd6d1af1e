/** Durations in a request (parseDuration), and the bounds of approvalTimeout. */
import assert from 'node:assert/strict';
import {
  formatErrors,
  parseDuration,
  validateRequest,
} from '../../../../src/domain/request/request';
import { sampleRequest } from '../../../support/badRequests';

describe('request validation', () => {
  describe('parseDuration', () => {
    const good: Array<[number | string, number]> = [
      ['24h', 86_400],
      ['1h30m', 5_400],
      ['90s', 90],
      ['30m', 1_800],
      ['1d', 86_400],
      ['2d3h4m5s', 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5],
      [' 45m ', 2_700],
      ['3600', 3_600],
      [3600, 3_600],
      [0, 0],
    ];
    for (const [input, seconds] of good) {
      it(`${JSON.stringify(input)} is ${seconds}s`, () =>
        assert.equal(parseDuration(input), seconds));
    }
    for (const input of [
      'soon',
      '',
      '   ',
      '1.5h',
      '-5',
      'h',
      '1x',
      '30m1h',
      '1h 30m',
      '24H',
      1.5,
      Number.NaN,
    ]) {
      it(`${JSON.stringify(input)} is refused`, () =>
        assert.equal(parseDuration(input), undefined));
    }
    it('bounds approvalTimeout to 1s..30d in the request', () => {
      const at = (v: unknown) => {
        const r = sampleRequest();
        r.strategy.approvalTimeout = v;
        return validateRequest(r);
      };
      const ok = at('30d');
      assert.ok(ok.ok && ok.request.strategy.approvalTimeout === 30 * 86_400);
      const errors = (v: unknown) => {
        const res = at(v);
        return res.ok ? 'accepted' : formatErrors(res.errors);
      };
      assert.match(
        errors('31d'),
        /strategy\.approvalTimeout: must be a duration from 1s to 30d/,
      );
      assert.match(errors(-1), /strategy\.approvalTimeout: .*got -1/);
      assert.match(
        errors(true),
        /strategy\.approvalTimeout: must be a duration/,
      );
    });
  });
});
