import assert from 'node:assert/strict';
import {
  classifyMemberDir,
  conflictingListeners,
  minorOf,
  parseEtcdVersion,
  parseProcNetTcp,
  readableLogLine,
  splitSections,
} from '../../../../src/activities/node/nodeFacts';

/** `/usr/bin/etcd --version` of Debian's etcd-server 3.4.23. */
const ETCD_VERSION_OUTPUT = [
  'etcd Version: 3.4.23',
  'Git SHA: Not provided (use ./build instead of go build)',
  'Go Version: go1.19.8',
  'Go OS/Arch: linux/amd64',
  '',
].join('\n');

/**
 * /proc/net/tcp with listeners on 127.0.0.1:2379, 0.0.0.0:2380, 127.0.99.14:2379 and 0.0.0.0:2024,
 * plus established and TIME_WAIT connections (states 01 and 06), as read on the build machine.
 */
const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 0100007F:094B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 58268 1 000000009b373f9d 100 0 0 10 0                     
   1: 00000000:094C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 58269 1 000000006317d1a3 100 0 0 10 0                     
   2: 0E63007F:094B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 58271 1 00000000051826f9 100 0 0 10 0                     
   3: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 19 1 00000000ffc48b41 100 0 0 10 0                        
   4: 0100007F:094B 0100007F:E2CE 01 00000000:00000000 00:00000000 00000000     0        0 58336 1 000000001fa27b17 20 0 0 10 -1                     
   5: 0100007F:5CEE 0100007F:B7DE 06 00000000:00000000 03:000015F3 00000000     0        0 0 3 000000001addc833                                      
   7: 0100007F:E2CE 0100007F:094B 01 00000000:00000000 00:00000000 00000000     0        0 58335 2 00000000f22ae4d1 20 0 0 10 -1                     
`;

/** /proc/net/tcp6 with listeners on [::1]:2382, [::ffff:127.0.99.15]:2383 and [::]:2381 (v6 only). */
const PROC_NET_TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:094E 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 58272 1 00000000393a90e1 100 0 0 10 0
   1: 0000000000000000FFFF00000F63007F:094F 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 58273 1 000000000946919c 100 0 0 10 0
   2: 00000000000000000000000000000000:094D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 58270 1 00000000e94eecde 100 0 0 10 0
`;

describe('node facts', () => {
  describe('readableLogLine', () => {
    it("renders etcd 3.6's JSON log line as level, message and error", () => {
      const line =
        '{"level":"warn","ts":"2026-11-26T11:17:52.862544Z","caller":"etcdmain/etcd.go:66","msg":"failed to verify flags","error":"invalid value \\"lots\\" for ETCD_SNAPSHOT_COUNT: parse error"}';
      assert.equal(
        readableLogLine(line),
        'warn failed to verify flags: invalid value "lots" for ETCD_SNAPSHOT_COUNT: parse error',
      );
    });
    it('leaves plain lines (etcd 3.4) and broken JSON as they are', () => {
      assert.equal(
        readableLogLine(
          '2026-11-26 06:42:24 I | pkg/flags: recognized ETCD_NAME=etcd5',
        ),
        '2026-11-26 06:42:24 I | pkg/flags: recognized ETCD_NAME=etcd5',
      );
      assert.equal(readableLogLine('{"level":'), '{"level":');
    });
  });

  describe('parseEtcdVersion', () => {
    it('reads the version from etcd --version', () => {
      assert.equal(parseEtcdVersion(ETCD_VERSION_OUTPUT), '3.4.23');
      assert.equal(minorOf(parseEtcdVersion(ETCD_VERSION_OUTPUT)!), '3.4');
    });

    it('accepts a v prefix and surrounding output', () => {
      assert.equal(
        parseEtcdVersion(
          '--- version\netcd Version: v3.5.9\nGit SHA: bdbbde998\n',
        ),
        '3.5.9',
      );
    });

    it('gives undefined when there is no etcd', () => {
      assert.equal(
        parseEtcdVersion('sh: 1: /usr/local/bin/etcd: not found\n'),
        undefined,
      );
      assert.equal(parseEtcdVersion(''), undefined);
      assert.equal(
        parseEtcdVersion('etcdctl version: 3.4.23\nAPI version: 3.4\n'),
        undefined,
      );
    });
  });

  describe('parseProcNetTcp', () => {
    it('lists IPv4 listeners only, in host byte order', () => {
      assert.deepEqual(parseProcNetTcp(PROC_NET_TCP), [
        { address: '127.0.0.1', port: 2379 },
        { address: '0.0.0.0', port: 2380 },
        { address: '127.0.99.14', port: 2379 },
        { address: '0.0.0.0', port: 2024 },
      ]);
    });

    it('lists IPv6 listeners: wildcard, v4-mapped and loopback', () => {
      const sockets = parseProcNetTcp(PROC_NET_TCP6);
      assert.equal(sockets.length, 3);
      assert.equal(sockets[0].port, 2382);
      assert.equal(new URL(`http://[${sockets[0].address}]`).hostname, '[::1]');
      assert.deepEqual(sockets.slice(1), [
        { address: '::ffff:127.0.99.15', port: 2383 },
        { address: '::', port: 2381 },
      ]);
    });

    it('ignores headers, blank and garbled lines', () => {
      assert.deepEqual(parseProcNetTcp(''), []);
      assert.deepEqual(
        parseProcNetTcp('  sl  local_address rem_address   st\n\nnot a line\n'),
        [],
      );
    });
  });

  describe('conflictingListeners', () => {
    const sockets = [
      ...parseProcNetTcp(PROC_NET_TCP),
      ...parseProcNetTcp(PROC_NET_TCP6),
    ];

    it('finds a listener on the same address and port', () => {
      assert.deepEqual(conflictingListeners(sockets, '127.0.99.14', 2379), [
        { address: '127.0.99.14', port: 2379 },
      ]);
      assert.deepEqual(conflictingListeners(sockets, '127.0.0.1', 2379), [
        { address: '127.0.0.1', port: 2379 },
      ]);
    });

    it('finds wildcard listeners (0.0.0.0 and ::) for any address', () => {
      assert.deepEqual(conflictingListeners(sockets, '10.0.0.14', 2380), [
        { address: '0.0.0.0', port: 2380 },
      ]);
      assert.deepEqual(conflictingListeners(sockets, '10.0.0.14', 2381), [
        { address: '::', port: 2381 },
      ]);
    });

    it('finds a v4-mapped listener for its IPv4 address only', () => {
      assert.deepEqual(conflictingListeners(sockets, '127.0.99.15', 2383), [
        { address: '::ffff:127.0.99.15', port: 2383 },
      ]);
      assert.deepEqual(conflictingListeners(sockets, '127.0.99.16', 2383), []);
    });

    it('ignores other addresses and ports', () => {
      // 127.0.0.1:2379 and 127.0.99.14:2379 listen, but not on 127.0.24.14.
      assert.deepEqual(conflictingListeners(sockets, '127.0.24.14', 2379), []);
      assert.deepEqual(conflictingListeners(sockets, '127.0.0.1', 2390), []);
    });
  });

  describe('classifyMemberDir', () => {
    it('tells absent, WAL and snap, snap only and anything else apart', () => {
      assert.equal(classifyMemberDir(undefined), 'none');
      assert.equal(classifyMemberDir(['snap', 'wal']), 'wal-and-snap');
      assert.equal(classifyMemberDir(['wal', 'snap', 'extra']), 'wal-and-snap');
      assert.equal(classifyMemberDir(['snap']), 'snap-only');
      assert.equal(classifyMemberDir([]), 'unknown');
      assert.equal(classifyMemberDir(['wal']), 'unknown');
    });
  });

  describe('splitSections', () => {
    it('splits --- name sections and ignores what comes before the first', () => {
      const out = [
        'noise',
        '--- version',
        ...ETCD_VERSION_OUTPUT.trimEnd().split('\n'),
        '--- env',
        'present',
        '--- member-dir',
        '--- service',
        'inactive',
        '',
      ].join('\n');
      const s = splitSections(out);
      assert.deepEqual(Object.keys(s), [
        'version',
        'env',
        'member-dir',
        'service',
      ]);
      assert.equal(parseEtcdVersion(s.version), '3.4.23');
      assert.equal(s.env, 'present\n');
      assert.equal(s['member-dir'], '');
      assert.equal(s.service, 'inactive\n\n');
    });

    it('does not take a header-like line with other text for a header', () => {
      assert.deepEqual(splitSections('--- a\n--- Not A Header\n x --- b\n'), {
        a: '--- Not A Header\n x --- b\n\n',
      });
    });
  });
});
