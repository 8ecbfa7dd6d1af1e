import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySnapshotFile } from '../../../src/activities/backup';

/** What etcd's snapshot looks like: a bbolt file (pages of 512 bytes here) plus the SHA-256 of it. */
const snapshotBytes = (pages: number): Buffer => {
  const body = randomBytes(512 * pages);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
};

describe('snapshot verification', () => {
  let dir: string;
  before(
    () => (dir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-unit-backup-'))),
  );
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, bytes: Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  for (const pages of [1, 7, 300]) {
    it(`accepts ${pages} x 512 bytes + SHA-256 trailer and reports its size and hash`, async () => {
      const bytes = snapshotBytes(pages);
      const path = write(`good-${pages}.db`, bytes);
      const r = await verifySnapshotFile(path);
      assert.equal(r.sizeBytes, 512 * pages + 32);
      assert.equal(
        r.sha256,
        createHash('sha256').update(readFileSync(path)).digest('hex'),
      );
    });
  }

  it('refuses a truncated file: snapshot missing hash', async () => {
    const bytes = snapshotBytes(8);
    await assert.rejects(
      verifySnapshotFile(
        write('truncated.db', bytes.subarray(0, bytes.length - 1)),
      ),
      /snapshot missing hash/,
    );
    await assert.rejects(
      verifySnapshotFile(write('no-trailer.db', bytes.subarray(0, 512 * 8))),
      /snapshot missing hash/,
    );
    await assert.rejects(
      verifySnapshotFile(write('trailer-only.db', bytes.subarray(512 * 8))),
      /snapshot missing hash/,
    );
    await assert.rejects(
      verifySnapshotFile(write('empty.db', Buffer.alloc(0))),
      /snapshot missing hash/,
    );
  });

  it('refuses a corrupted body or trailer', async () => {
    const body = snapshotBytes(8);
    body[1000] ^= 0x01;
    await assert.rejects(
      verifySnapshotFile(write('corrupt-body.db', body)),
      /SHA-256 trailer does not match/,
    );
    const trailer = snapshotBytes(8);
    trailer[trailer.length - 1] ^= 0x80;
    await assert.rejects(
      verifySnapshotFile(write('corrupt-trailer.db', trailer)),
      /SHA-256 trailer does not match/,
    );
  });

  it('refuses a file whose trailer is the hash of the whole file instead of the body', async () => {
    const body = randomBytes(512 * 2);
    const wrong = Buffer.concat([
      body,
      createHash('sha256')
        .update(Buffer.concat([body, Buffer.alloc(32)]))
        .digest(),
    ]);
    await assert.rejects(
      verifySnapshotFile(write('wrong-hash.db', wrong)),
      /SHA-256 trailer does not match/,
    );
  });

  it('rejects a missing file', async () => {
    await assert.rejects(verifySnapshotFile(join(dir, 'absent.db')), /ENOENT/);
  });
});
