import assert from 'node:assert/strict';
import { KUBESPRAY_TUNING } from '../../../../lab/kubespray';
import { renderEnvDiff } from '../../../../src/domain/envFiles/envDiff';
import { mergeEnvFile } from '../../../../src/domain/envFiles/envFileText';

/** What Kubespray templated on a node before the scale-out: the lab's new hosts start with it. */
const NODE_ENV = KUBESPRAY_TUNING;

describe('env diff for the dry run', () => {
  it('shows the membership block appended to a node env as one hunk with context', () => {
    const next = mergeEnvFile(NODE_ENV, {
      ETCD_NAME: 'etcd4',
      ETCD_INITIAL_CLUSTER_STATE: 'existing',
    });
    assert.deepEqual(renderEnvDiff('/etc/etcd.env', NODE_ENV, next), [
      '--- /etc/etcd.env (now)',
      '+++ /etc/etcd.env (to be written)',
      '@@ -4,2 +4,5 @@',
      ' ETCD_METRICS=basic',
      ' ETCD_LOGGER=zap',
      '+# membership written by etcd-scaleout',
      '+ETCD_NAME=etcd4',
      '+ETCD_INITIAL_CLUSTER_STATE=existing',
    ]);
  });

  it('shows a replaced value as - then +, and separate hunks for distant changes', () => {
    const a = [
      'A=1',
      'B=2',
      'C=3',
      'D=4',
      'E=5',
      'F=6',
      'G=7',
      'H=8',
      'I=9',
      '',
    ].join('\n');
    const b = [
      'A=1',
      'B=2',
      'C=30',
      'D=4',
      'E=5',
      'F=6',
      'G=7',
      'H=8',
      'I=9',
      'J=10',
      '',
    ].join('\n');
    assert.deepEqual(renderEnvDiff('/etc/etcd.env', a, b), [
      '--- /etc/etcd.env (now)',
      '+++ /etc/etcd.env (to be written)',
      '@@ -1,5 +1,5 @@',
      ' A=1',
      ' B=2',
      '-C=3',
      '+C=30',
      ' D=4',
      ' E=5',
      '@@ -8,2 +8,3 @@',
      ' H=8',
      ' I=9',
      '+J=10',
    ]);
  });

  it('shows a file that does not exist yet, and says when nothing changes', () => {
    assert.deepEqual(
      renderEnvDiff(
        '/etc/etcd.env',
        null,
        'ETCD_NAME=etcd4\nETCD_DATA_DIR=/var/lib/etcd\n',
      ),
      [
        '--- /etc/etcd.env (absent)',
        '+++ /etc/etcd.env (to be written)',
        '@@ -0,0 +1,2 @@',
        '+ETCD_NAME=etcd4',
        '+ETCD_DATA_DIR=/var/lib/etcd',
      ],
    );
    assert.deepEqual(renderEnvDiff('/etc/etcd.env', NODE_ENV, NODE_ENV), [
      '/etc/etcd.env: unchanged',
    ]);
  });
});
