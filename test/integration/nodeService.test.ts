/**
 * The node's service through systemctl on a real SSH test host (lab block 64, the certificate tests'
 * hosts): the unit always follows `--`, so a name that looks like an option reaches systemctl as a
 * unit (issue 17). The lab's systemctl stand-in reads options as systemctl's getopt does.
 */
import assert from 'node:assert/strict';
import { noCheckpoint } from '../../src/activities/checkpoints';
import { remote } from '../../src/activities/node/remote';
import { createServiceActivities } from '../../src/activities/node/service';
import { ssh, useCertificateHosts } from '../support/certificateHosts';

describe('the node service on a real SSH test host', function () {
  this.timeout(120_000);
  const hosts = useCertificateHosts();
  const service = () =>
    createServiceActivities({ remote: remote(ssh), checkpoint: noCheckpoint });

  it('passes a unit named like an option after "--": stop finds it inactive, start fails on its env file', async () => {
    const { nodeTarget } = hosts();
    assert.deepEqual(await service().stopService(nodeTarget, '-etcd'), {
      wasActive: false,
    });
    await assert.rejects(
      service().startService(nodeTarget, '-etcd'),
      (err: Error) => {
        assert.match(
          err.message,
          /^systemctl start -etcd on \S+ failed \(exit 1\): -etcd\.service: EnvironmentFile=\/etc\/-etcd\.env not found/,
        );
        return true;
      },
    );
  });
});
