/**
 * Fixtures that several describe blocks share (in one file or more), as one describe's before/after
 * would: set up before the first of them runs, torn down after the last. The blocks that use one are
 * counted as the files are loaded; one whose blocks did not all run (--grep) is torn down by the root
 * afterAll hook (hooks.ts).
 */

const live = new Set<() => Promise<void>>();

/** `timeoutMs` bounds the set-up and the tear-down. */
export function sharedFixture<T>(
  setUp: () => Promise<T>,
  tearDown: (value: T) => Promise<void>,
  timeoutMs = 120_000,
): () => () => T {
  let users = 0;
  let value: Promise<T> | undefined;
  let ready: T | undefined;
  const stop = async () => {
    live.delete(stop);
    const v = await value?.catch(() => undefined);
    value = undefined;
    ready = undefined;
    if (v !== undefined) await tearDown(v);
  };
  return () => {
    users++;
    before(async function () {
      this.timeout(timeoutMs);
      if (!value) {
        value = setUp();
        live.add(stop);
      }
      ready = await value;
    });
    after(async function () {
      this.timeout(timeoutMs);
      if (--users === 0) await stop();
    });
    return () => {
      if (ready === undefined)
        throw new Error('the shared fixture is not set up');
      return ready;
    };
  };
}

/** Tears down the shared fixtures still set up (the root afterAll hook). */
export async function tearDownSharedFixtures(): Promise<void> {
  for (const stop of [...live]) await stop();
}
