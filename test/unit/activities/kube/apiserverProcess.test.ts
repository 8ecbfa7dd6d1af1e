/** Which kube-apiserver serves a node's /readyz, and its --etcd-servers: parsed from what /proc says. */
import assert from 'node:assert/strict';
import {
  etcdServersArg,
  parseProbe,
  servingProcess,
} from '../../../../src/activities/kube/apiserverProcess';

const args = (servers: string, address: string) =>
  [
    'kube-apiserver',
    `--advertise-address=${address}`,
    `--etcd-servers=${servers}`,
    '--etcd-servers-overrides=/events#https://10.0.0.9:2379',
    '--secure-port=6443',
  ].join('\x01');

// Two apiservers on one machine (the lab's shared process table): 127.0.40.11 and 127.0.40.12, port 6443.
// 0B00287F = 127.40.0.11 little-endian -> 127.0.40.11; 0C00287F -> 127.0.40.12; 192B = 6443; 0A = LISTEN.
const PROBE = [
  'pid 101',
  'start 5000',
  'socks 7001 7002 ',
  `args ${args('https://127.0.40.11:2379,https://127.0.40.12:2379', '127.0.40.11')}\x01`,
  'pid 202',
  'start 6000',
  'socks 8001 ',
  `args ${args('https://127.0.40.11:2379', '127.0.40.12')}\x01`,
  'tcp',
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0B28007F:192B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7001 1 0000000000000000 100 0 0 10 0',
  '   1: 0C28007F:192B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 8001 1 0000000000000000 100 0 0 10 0',
  '   2: 0B28007F:9C40 0C28007F:192B 01 00000000:00000000 00:00000000 00000000     0        0 7002 1 0000000000000000 100 0 0 10 0',
  '',
].join('\n');

describe('kube-apiserver process probe', () => {
  it('finds the process listening on the /readyz address and port, with its start time and list', () => {
    const probe = parseProbe(PROBE);
    assert.equal(probe.processes.length, 2);
    const s = servingProcess(probe, '127.0.40.11', 6443);
    assert.ok(s.found);
    if (!s.found) return;
    assert.equal(s.process.pid, 101);
    assert.equal(s.process.start, '5000');
    assert.deepEqual(etcdServersArg(s.process.args), [
      'https://127.0.40.11:2379',
      'https://127.0.40.12:2379',
    ]);
    const other = servingProcess(probe, '127.0.40.12', 6443);
    assert.ok(other.found && other.process.pid === 202);
  });

  it('says why when nothing listens there (restarting), and when several do', () => {
    const probe = parseProbe(PROBE);
    const none = servingProcess(probe, '127.0.40.13', 6443);
    assert.ok(!none.found);
    assert.match(
      none.found ? '' : none.why,
      /no kube-apiserver listens on 127\.0\.40\.13:6443 yet \(2 kube-apiserver process\(es\) on the node, pids 101, 202\)/,
    );
    const empty = servingProcess(parseProbe('tcp\n'), '127.0.40.11', 6443);
    assert.match(
      empty.found ? '' : empty.why,
      /no kube-apiserver process runs/,
    );
    // A wildcard listener serves every address; a name in the URL accepts any address.
    const wild = parseProbe(PROBE.replace('0B28007F:192B', '00000000:192B'));
    const both = servingProcess(wild, '127.0.40.12', 6443);
    assert.match(
      both.found ? '' : both.why,
      /2 kube-apiserver processes listen on 127\.0\.40\.12:6443 \(pids 101, 202\)/,
    );
    assert.ok(!servingProcess(parseProbe(PROBE), 'node1.example', 6443).found);
  });

  it('reads --etcd-servers given as two arguments, the last one winning', () => {
    assert.deepEqual(
      etcdServersArg([
        'kube-apiserver',
        '--etcd-servers',
        'https://a:2379',
        '--etcd-servers=https://b:2379,https://c:2379',
      ]),
      ['https://b:2379', 'https://c:2379'],
    );
    assert.equal(etcdServersArg(['kube-apiserver']), undefined);
  });
});
