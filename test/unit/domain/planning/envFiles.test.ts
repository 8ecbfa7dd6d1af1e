/** Env files: merging the membership variables into a node env, and parsing one. */
import assert from 'node:assert/strict';
import {
  mergeEnvFile,
  parseEnvFile,
} from '../../../../src/domain/envFiles/envFileText';
import { memberEnv } from '../../../../src/domain/planning';
import { request } from '../../../support/planning';

describe('planning', () => {
  describe('env files', () => {
    const kubespray = [
      '# Ansible managed',
      'ETCD_DATA_DIR=/var/lib/etcd',
      'ETCD_ADVERTISE_CLIENT_URLS=https://10.0.0.11:2379',
      'ETCD_INITIAL_CLUSTER_STATE=new',
      'ETCD_METRICS=basic',
      'ETCD_ELECTION_TIMEOUT=5000',
      'ETCD_HEARTBEAT_INTERVAL=250',
      'ETCD_INITIAL_CLUSTER_TOKEN=k8s_etcd',
      'ETCD_NAME=etcd1',
      'ETCD_PROXY=off',
      '',
      '# TLS settings',
      'ETCD_TRUSTED_CA_FILE=/etc/ssl/etcd/ssl/ca.pem',
      'ETCD_CERT_FILE=/etc/ssl/etcd/ssl/member-node1.pem',
      'ETCD_CLIENT_CERT_AUTH=true',
      '',
    ].join('\n');

    it('replaces membership variables in place and keeps tuning, TLS and comments', () => {
      const merged = mergeEnvFile(kubespray, {
        ETCD_NAME: 'etcd4',
        ETCD_INITIAL_CLUSTER_STATE: 'existing',
        ETCD_DATA_DIR: '/data/etcd',
      });
      const lines = merged.split('\n');
      assert.equal(lines[0], '# Ansible managed');
      assert.equal(lines[1], 'ETCD_DATA_DIR=/data/etcd');
      assert.equal(lines[3], 'ETCD_INITIAL_CLUSTER_STATE=existing');
      assert.equal(lines[8], 'ETCD_NAME=etcd4');
      for (const kept of [
        'ETCD_ELECTION_TIMEOUT=5000',
        'ETCD_HEARTBEAT_INTERVAL=250',
        'ETCD_METRICS=basic',
        '# TLS settings',
        'ETCD_CERT_FILE=/etc/ssl/etcd/ssl/member-node1.pem',
        'ETCD_CLIENT_CERT_AUTH=true',
      ]) {
        assert.ok(lines.includes(kept), `lost ${kept}`);
      }
      assert.equal(
        lines.length,
        kubespray.split('\n').length,
        'nothing appended',
      );
      assert.ok(merged.endsWith('=true\n'));
      assert.ok(!merged.includes('etcd-scaleout'));
    });

    it('appends missing variables after a marker comment', () => {
      const merged = mergeEnvFile('ETCD_METRICS=basic\n# keep me\n', {
        ETCD_NAME: 'etcd4',
        ETCD_INITIAL_CLUSTER: 'etcd1=http://a:2380,etcd4=http://b:2380',
      });
      assert.equal(
        merged,
        'ETCD_METRICS=basic\n# keep me\n# membership written by etcd-scaleout\nETCD_NAME=etcd4\nETCD_INITIAL_CLUSTER=etcd1=http://a:2380,etcd4=http://b:2380\n',
      );
      assert.equal(
        mergeEnvFile('', { ETCD_NAME: 'etcd4' }),
        '# membership written by etcd-scaleout\nETCD_NAME=etcd4\n',
      );
    });

    it('replaces the first of duplicate assignments and comments out the others', () => {
      const merged = mergeEnvFile(
        'ETCD_NAME=old\nETCD_METRICS=basic\n  export ETCD_NAME="older"\n',
        { ETCD_NAME: 'etcd4' },
      );
      assert.equal(
        merged,
        'ETCD_NAME=etcd4\nETCD_METRICS=basic\n#   export ETCD_NAME="older" (duplicate, superseded by etcd-scaleout)\n',
      );
      assert.equal(parseEnvFile(merged).ETCD_NAME, 'etcd4');
    });

    it('is idempotent', () => {
      const vars = memberEnv(
        request().newMembers[0],
        'etcd1=http://127.0.24.11:2380,etcd4=http://127.0.24.14:2380',
        '/var/lib/etcd',
      );
      const once = mergeEnvFile(kubespray, vars);
      assert.equal(mergeEnvFile(once, vars), once);
      const parsed = parseEnvFile(once);
      for (const [k, v] of Object.entries(vars)) assert.equal(parsed[k], v, k);
      assert.equal(parsed.ETCD_ELECTION_TIMEOUT, '5000');
    });

    it('builds the membership variables of a new member', () => {
      const m = request().newMembers[0];
      assert.deepEqual(memberEnv(m, 'IC', '/var/lib/etcd'), {
        ETCD_NAME: 'etcd4',
        ETCD_DATA_DIR: '/var/lib/etcd',
        ETCD_INITIAL_ADVERTISE_PEER_URLS: 'http://127.0.24.14:2380',
        ETCD_ADVERTISE_CLIENT_URLS: 'http://127.0.24.14:2379',
        ETCD_LISTEN_PEER_URLS: 'http://127.0.24.14:2380',
        ETCD_LISTEN_CLIENT_URLS: 'http://127.0.24.14:2379',
        ETCD_INITIAL_CLUSTER: 'IC',
        ETCD_INITIAL_CLUSTER_STATE: 'existing',
        ETCD_INITIAL_CLUSTER_TOKEN: 'k8s_etcd',
      });
    });

    it('parses quotes, export, comments and = inside values', () => {
      const env = parseEnvFile(
        [
          '# comment=ignored',
          'A=plain',
          'B="double quoted"',
          "C='single quoted'",
          'export D=exported',
          '  E = spaced',
          'ETCD_INITIAL_CLUSTER=etcd1=http://a:2380,etcd2=http://b:2380',
          'F=',
          'not an assignment',
          'G="unbalanced',
        ].join('\n'),
      );
      assert.deepEqual(env, {
        A: 'plain',
        B: 'double quoted',
        C: 'single quoted',
        D: 'exported',
        ETCD_INITIAL_CLUSTER: 'etcd1=http://a:2380,etcd2=http://b:2380',
        F: '',
        G: '"unbalanced',
      });
    });
  });
});
