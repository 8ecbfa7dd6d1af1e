/**
 * The HTTP API tests together exercise every documented route, and reach no undocumented one. The
 * files are imported first so their tests run before this check, whichever order mocha loads them in.
 */
import assert from 'node:assert/strict';
import { DOCUMENTED_ROUTES } from '../../src/api/openapi';
import { exercised } from '../support/api';
import './api-health.test';
import './api-validation.test';
import './api-server-process.test';
import './api-approval.test';
import './api-cancel.test';
import './api-reject.test';
import './api-runs.test';

describe('HTTP API on the real stack', () => {
  describe('coverage', () => {
    it('every documented route was exercised, and every route a request reached is documented', () => {
      const documented = new Set<string>(DOCUMENTED_ROUTES);
      assert.deepEqual(
        [...documented].filter((r) => !exercised.has(r)),
        [],
      );
      assert.deepEqual(
        [...exercised].filter((r) => !documented.has(r)),
        [],
      );
    });
  });
});
