import { labsStopped } from '../../lab';
import { stopUnclaimedLabs } from './labs';
import { tearDownSharedFixtures } from './shared';
import { stopStack } from './stack';
import { removeTestTempDirs } from './tempDirs';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await tearDownSharedFixtures();
    await stopStack();
    await stopUnclaimedLabs();
    await labsStopped();
    removeTestTempDirs();
  },
};
