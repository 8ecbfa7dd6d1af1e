/**
 * Determinism: recorded histories of a successful and a rolled-back run replay against the current
 * workflow code. A change that would break running workflows fails here; guard it with `patched()`.
 * (Replay runs the real workflow bundle in the SDK's replay worker; no server or activities needed.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { FIXTURES } from '../../support/paths';

describe('replay of recorded histories', () => {
  for (const kind of ['success', 'rollback']) {
    it(`replays the ${kind} run deterministically`, async () => {
      // The fixture as the UI and `temporal workflow show --output json` export it; the SDK parses it.
      const history = JSON.parse(
        readFileSync(join(FIXTURES, `history-${kind}.json`), 'utf8'),
      );
      assert.ok(
        (history.events?.length ?? 0) > 20,
        'the fixture holds a whole run',
      );
      await Worker.runReplayHistory(
        { workflowsPath: require.resolve('../../../src/workflows') },
        history,
      );
    });
  }
});
