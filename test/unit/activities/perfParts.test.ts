import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrailerCheck } from '../../../src/activities/backup';
import {
  backupsToKeep,
  checkFreeSpace,
  DEFAULT_KEEP,
  pruneSnapshots,
  recordOfRun,
  spaceNeeded,
  writeRecord,
} from '../../../src/activities/backupDir';
import {
  hostKeyTypes,
  parseKnownHosts,
  presentedKeyType,
} from '../../../src/activities/node/knownHosts';
import { boundedSink, OUTPUT_LIMIT } from '../../../src/activities/node/ssh';
import { channelLimiter } from '../../../src/activities/node/sshPool';

describe('streamed snapshot check', () => {
  const snapshot = (pages: number) => {
    const body = randomBytes(512 * pages);
    return Buffer.concat([body, createHash('sha256').update(body).digest()]);
  };
  for (const split of [1, 7, 31, 32, 33, 4096]) {
    it(`accepts a snapshot fed in ${split}-byte chunks and hashes the whole file`, () => {
      const bytes = snapshot(9);
      const check = new TrailerCheck();
      for (let i = 0; i < bytes.length; i += split)
        check.update(bytes.subarray(i, i + split));
      const r = check.result('x');
      assert.equal(r.sizeBytes, bytes.length);
      assert.equal(r.sha256, createHash('sha256').update(bytes).digest('hex'));
    });
  }
  it('refuses a changed byte and a short file', () => {
    const bytes = snapshot(3);
    bytes[100] ^= 1;
    const check = new TrailerCheck();
    check.update(bytes);
    assert.throws(() => check.result('x'), /trailer does not match/);
    const short = new TrailerCheck();
    short.update(bytes.subarray(0, 600));
    assert.throws(() => short.result('x'), /snapshot missing hash/);
  });
});

describe('backup directory', () => {
  let dir: string;
  beforeEach(
    () => (dir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-unit-backupdir-'))),
  );
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the retention from ETCD_SCALEOUT_BACKUP_KEEP, default 10, refusing nonsense', () => {
    assert.equal(backupsToKeep({}), DEFAULT_KEEP);
    assert.equal(backupsToKeep({ ETCD_SCALEOUT_BACKUP_KEEP: '3' }), 3);
    assert.throws(
      () => backupsToKeep({ ETCD_SCALEOUT_BACKUP_KEEP: '0' }),
      /whole number >= 1/,
    );
    assert.throws(
      () => backupsToKeep({ ETCD_SCALEOUT_BACKUP_KEEP: 'many' }),
      /whole number >= 1/,
    );
  });

  it('keeps the newest snapshots of the cluster and touches nothing else', async () => {
    for (let i = 0; i < 5; i++) {
      const path = join(dir, `c-${i}.db`);
      writeFileSync(path, 'x');
      await writeRecord(path, {
        cluster: 'c',
        runId: `r${i}`,
        revision: '1',
        member: 'etcd1',
        takenAt: '',
      });
      utimesSync(path, 1000 + i, 1000 + i);
    }
    writeFileSync(join(dir, 'c-operator.db'), 'mine');
    const other = join(dir, 'c-other.db');
    writeFileSync(other, 'x');
    await writeRecord(other, {
      cluster: 'c-other',
      runId: 'r',
      revision: '1',
      member: 'etcd1',
      takenAt: '',
    });
    const removed = await pruneSnapshots(dir, 'c', 2);
    assert.deepEqual(removed.map((p) => p.slice(dir.length + 1)).sort(), [
      'c-0.db',
      'c-1.db',
      'c-2.db',
    ]);
    for (const kept of ['c-3.db', 'c-4.db', 'c-operator.db', 'c-other.db'])
      assert.ok(existsSync(join(dir, kept)), kept);
    assert.ok(!existsSync(join(dir, 'c-0.db.json')));
  });

  it('reuses a file only with the record of the same run', async () => {
    const path = join(dir, 'c-w-r1.db');
    await writeRecord(path, {
      cluster: 'c',
      runId: 'r1',
      revision: '7',
      member: 'etcd2',
      takenAt: 't',
    });
    assert.equal((await recordOfRun(path, 'c', 'r1'))?.revision, '7');
    assert.equal(await recordOfRun(path, 'c', 'r2'), undefined);
    assert.equal(await recordOfRun(join(dir, 'none.db'), 'c', 'r1'), undefined);
  });

  it('refuses, not retryable, when the disk cannot hold the database plus margin', async () => {
    assert.ok(spaceNeeded(100 * 2 ** 20) > 100 * 2 ** 20);
    await checkFreeSpace(dir, 1024);
    await assert.rejects(
      checkFreeSpace(dir, 2 ** 50),
      (err: Error & { nonRetryable?: boolean; type?: string }) => {
        assert.match(err.message, /free, the snapshot needs/);
        assert.equal(err.type, 'BackupSpaceLow');
        assert.equal(err.nonRetryable, true);
        return true;
      },
    );
  });
});

describe('ssh helpers', () => {
  it('cuts a node answer at OUTPUT_LIMIT and says so', () => {
    const sink = boundedSink();
    sink.add(Buffer.alloc(OUTPUT_LIMIT - 10, 'a'));
    sink.add(Buffer.alloc(30, 'b'));
    sink.add(Buffer.alloc(5, 'c'));
    const text = sink.text();
    assert.ok(text.startsWith('a'));
    assert.match(
      text,
      new RegExp(`output cut after ${OUTPUT_LIMIT} bytes, 25 more not read`),
    );
    const small = boundedSink();
    small.add(Buffer.from('ok'));
    assert.equal(small.text(), 'ok');
  });

  it('names the key types known_hosts holds and the one a server offers', () => {
    const wire = (type: string) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(type.length);
      return Buffer.concat([len, Buffer.from(type), randomBytes(32)]);
    };
    const entries = parseKnownHosts(
      `[127.0.0.1]:2222 ssh-rsa ${wire('ssh-rsa').toString('base64')}\n`,
    );
    assert.deepEqual(hostKeyTypes(entries, '127.0.0.1', 2222), ['ssh-rsa']);
    assert.deepEqual(hostKeyTypes(entries, '127.0.0.1', 22), []);
    assert.equal(presentedKeyType(wire('ssh-ed25519')), 'ssh-ed25519');
    assert.equal(presentedKeyType(Buffer.alloc(2)), 'unknown');
  });

  it('lets at most N channels run at once, in order', async () => {
    const limit = channelLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          order.push(i);
          running--;
        }),
      ),
    );
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
  });
});
