/**
 * Labs stopping in the background (Lab.stopLater), by block: a lab on the same block starts once they
 * are gone. A lab's processes take ~1-3 s to exit (the kube-apiservers' shutdown, sshd, etcd waited
 * on after its SIGKILL), which the next tests need not wait for when they run on other addresses.
 */
const stopping = new Map<number, Promise<void>>();
const stopFailures: Error[] = [];

/** What a lab's stop does with its folder (see labFolders.ts). */
export interface StopOptions {
  /** Keep the folder (a failed test's lab: the last two such are kept); ETCD_SCALEOUT_KEEP_LABS=1 keeps every one. */
  keep?: boolean;
}

/** Waits for every lab stopping in the background; throws if a stop failed. */
export async function labsStopped(): Promise<void> {
  await Promise.all(stopping.values());
  const failures = stopFailures.splice(0);
  if (failures.length)
    throw new Error(
      `lab stops failed: ${failures.map((e) => e.message).join('; ')}`,
    );
}

/** The stop still under way on `block`, if any: a lab starting there waits for it. */
export function stopUnderWay(block: number): Promise<void> | undefined {
  return stopping.get(block);
}

/**
 * Records `stop`, already begun, as the stop under way on `block` (done once any earlier one there is
 * too); its failure is kept for labsStopped rather than thrown.
 */
export function stopInBackground(block: number, stop: Promise<void>): void {
  const done = Promise.all([stopping.get(block), stop])
    .then(() => undefined)
    .catch((err: Error) => {
      stopFailures.push(
        new Error(`lab of block ${block}: ${err.message ?? err}`),
      );
    })
    .finally(() => {
      if (stopping.get(block) === done) stopping.delete(block);
    });
  stopping.set(block, done);
}
