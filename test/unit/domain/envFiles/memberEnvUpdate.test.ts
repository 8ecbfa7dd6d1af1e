/** An existing member's env file after a scale-out: the full list, state existing, every other byte kept. */
import assert from 'node:assert/strict';
import { renderKubesprayEnv } from '../../../../lab/kubespray';
import {
  membershipLines,
  updateMemberEnvText,
} from '../../../../src/domain/envFiles/memberEnvUpdate';
import { EnvDerivationError } from '../../../../src/domain/kubespray/kubesprayEnv';

const GROUP = [1, 2, 3].map((i) => ({
  name: `etcd${i}`,
  address: `10.0.0.1${i}`,
}));
const FULL = [1, 2, 3, 4, 5]
  .map((i) => `etcd${i}=https://10.0.0.1${i}:2380`)
  .join(',');
const etcd2 = { name: 'etcd2', peerURLs: ['https://10.0.0.12:2380'] };
const kubesprayEnv = () =>
  renderKubesprayEnv({
    node: GROUP[1],
    etcdGroup: GROUP,
    state: 'new',
    tls: true,
    version: '3.6.14',
  });

describe("an existing member's env file after the scale-out", () => {
  it("writes the full list and state existing into Kubespray's file, every other line as it was", () => {
    const before = kubesprayEnv();
    const u = updateMemberEnvText(before, etcd2, FULL);
    assert.deepEqual(u.changed, [
      'ETCD_INITIAL_CLUSTER',
      'ETCD_INITIAL_CLUSTER_STATE',
    ]);
    const [a, b] = [before.split('\n'), u.text.split('\n')];
    assert.equal(a.length, b.length);
    const differ = a.map((l, i) => [l, b[i]]).filter(([x, y]) => x !== y);
    assert.deepEqual(differ, [
      ['ETCD_INITIAL_CLUSTER_STATE=new', 'ETCD_INITIAL_CLUSTER_STATE=existing'],
      [
        `ETCD_INITIAL_CLUSTER=${GROUP.map((g) => `${g.name}=https://${g.address}:2380`).join(',')}`,
        `ETCD_INITIAL_CLUSTER=${FULL}`,
      ],
    ]);
  });

  it('is idempotent: a second pass changes nothing', () => {
    const once = updateMemberEnvText(kubesprayEnv(), etcd2, FULL);
    const twice = updateMemberEnvText(once.text, etcd2, FULL);
    assert.deepEqual(twice, { text: once.text, changed: [] });
  });

  it('writes the same members listed in another order in the one order given (one order everywhere)', () => {
    const shuffled = FULL.split(',').reverse().join(',');
    const text = `ETCD_NAME=etcd2\nETCD_INITIAL_CLUSTER=${shuffled}\nETCD_INITIAL_CLUSTER_STATE=existing\n`;
    assert.deepEqual(updateMemberEnvText(text, etcd2, FULL), {
      text: `ETCD_NAME=etcd2\nETCD_INITIAL_CLUSTER=${FULL}\nETCD_INITIAL_CLUSTER_STATE=existing\n`,
      changed: ['ETCD_INITIAL_CLUSTER'],
    });
  });

  it('keeps export, quotes, CRLF line ends and the missing final newline; appends a variable the file lacks', () => {
    const text =
      '# etcd\r\nexport ETCD_NAME="etcd2"\r\nETCD_INITIAL_CLUSTER="etcd1=https://10.0.0.11:2380"\r\nETCD_DATA_DIR=/var/lib/etcd';
    const u = updateMemberEnvText(text, etcd2, FULL);
    assert.equal(
      u.text,
      `# etcd\r\nexport ETCD_NAME="etcd2"\r\nETCD_INITIAL_CLUSTER="${FULL}"\r\nETCD_DATA_DIR=/var/lib/etcd\r\nETCD_INITIAL_CLUSTER_STATE=existing\r\n`,
    );
    const lf = updateMemberEnvText('ETCD_NAME=etcd2\n', etcd2, FULL);
    assert.equal(
      lf.text,
      `ETCD_NAME=etcd2\nETCD_INITIAL_CLUSTER=${FULL}\nETCD_INITIAL_CLUSTER_STATE=existing\n`,
    );
  });

  it('replaces every assignment of a variable written twice (systemd reads the last)', () => {
    const u = updateMemberEnvText(
      'ETCD_NAME=etcd2\nETCD_INITIAL_CLUSTER_STATE=new\nETCD_INITIAL_CLUSTER=x\nETCD_INITIAL_CLUSTER_STATE=new\n',
      etcd2,
      FULL,
    );
    assert.equal(
      u.text,
      `ETCD_NAME=etcd2\nETCD_INITIAL_CLUSTER_STATE=existing\nETCD_INITIAL_CLUSTER=${FULL}\nETCD_INITIAL_CLUSTER_STATE=existing\n`,
    );
  });

  it("refuses another member's file, or a list that does not name the member", () => {
    assert.throws(
      () => updateMemberEnvText('ETCD_NAME=etcd3\n', etcd2, FULL),
      (e) =>
        e instanceof EnvDerivationError &&
        /ETCD_NAME: is "etcd3": not the env file of member etcd2/.test(
          e.message,
        ),
    );
    assert.throws(
      () => updateMemberEnvText('ETCD_DATA_DIR=/x\n', etcd2, FULL),
      /ETCD_NAME: is missing/,
    );
    assert.throws(
      () =>
        updateMemberEnvText(
          'ETCD_NAME=etcd2\n',
          { ...etcd2, peerURLs: ['https://10.9.9.9:2380'] },
          FULL,
        ),
      /does not list member etcd2 at its peer URL/,
    );
  });

  it('says what to write by hand', () => {
    assert.deepEqual(membershipLines('a=b'), [
      'ETCD_INITIAL_CLUSTER=a=b',
      'ETCD_INITIAL_CLUSTER_STATE=existing',
    ]);
  });
});
