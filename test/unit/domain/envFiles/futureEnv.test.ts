import assert from 'node:assert/strict';
import {
  mergeEnvFile,
  parseEnvFile,
} from '../../../../src/domain/envFiles/envFileText';
import {
  envToWrite,
  resolveEnvFrom,
  templateMember,
} from '../../../../src/domain/envFiles/futureEnv';
import { memberEnv } from '../../../../src/domain/planning';
import {
  formatErrors,
  type ScaleOutRequest,
  validateRequest,
} from '../../../../src/domain/request/request';
import { sampleRequest } from '../../../support/badRequests';

function request(
  edit: (r: ReturnType<typeof sampleRequest>) => void = () => {},
): ScaleOutRequest {
  const r = sampleRequest();
  edit(r);
  const v = validateRequest(r);
  if (!v.ok) assert.fail(formatErrors(v.errors));
  return v.request;
}

/** The listen lines of a Kubespray-rendered env on node 10.0.0.14 (its address and 127.0.0.1). */
const KUBESPRAY_NODE_ENV = [
  'ETCD_LISTEN_CLIENT_URLS=https://10.0.0.14:2379,https://127.0.0.1:2379',
  'ETCD_LISTEN_PEER_URLS=https://10.0.0.14:2380',
  'ETCD_METRICS=basic',
  '',
].join('\n');
const joining = {
  name: 'etcd4',
  host: '10.0.0.14',
  peerURL: 'https://10.0.0.14:2380',
  clientURL: 'https://10.0.0.14:2379',
};

describe('the env a new member starts with', () => {
  it("keeps Kubespray's 127.0.0.1 client listener of the node's env", () => {
    const vars = memberEnv(
      joining,
      'IC',
      '/var/lib/etcd',
      undefined,
      parseEnvFile(KUBESPRAY_NODE_ENV),
    );
    assert.equal(
      vars.ETCD_LISTEN_CLIENT_URLS,
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(vars.ETCD_LISTEN_PEER_URLS, 'https://10.0.0.14:2380');
    const merged = parseEnvFile(mergeEnvFile(KUBESPRAY_NODE_ENV, vars));
    assert.equal(
      merged.ETCD_LISTEN_CLIENT_URLS,
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(merged.ETCD_METRICS, 'basic');
  });

  it('reads a CRLF env file like an LF one, and writes it back with LF', () => {
    const crlf = KUBESPRAY_NODE_ENV.replace(/\n/g, '\r\n');
    assert.deepEqual(parseEnvFile(crlf), parseEnvFile(KUBESPRAY_NODE_ENV));
    const vars = { ETCD_NAME: 'etcd4', ETCD_INITIAL_CLUSTER_STATE: 'existing' };
    const merged = mergeEnvFile(crlf, vars);
    assert.ok(!merged.includes('\r'), 'no CR left');
    assert.equal(merged, mergeEnvFile(KUBESPRAY_NODE_ENV, vars));
  });

  it('listens on listenAddress and advertises the URLs', () => {
    const vars = memberEnv(
      {
        ...joining,
        peerURL: 'https://etcd4.example:2380',
        clientURL: 'https://etcd4.example:2379',
        listenAddress: '10.0.0.14',
      },
      'IC',
      '/var/lib/etcd',
      undefined,
      parseEnvFile(KUBESPRAY_NODE_ENV),
    );
    assert.equal(
      vars.ETCD_LISTEN_CLIENT_URLS,
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(vars.ETCD_LISTEN_PEER_URLS, 'https://10.0.0.14:2380');
    assert.equal(vars.ETCD_ADVERTISE_CLIENT_URLS, 'https://etcd4.example:2379');
    assert.equal(
      vars.ETCD_INITIAL_ADVERTISE_PEER_URLS,
      'https://etcd4.example:2380',
    );
  });

  it('resolves envFrom "auto" by whether the node has an env file', () => {
    assert.equal(resolveEnvFrom(request(), true), 'node');
    assert.equal(resolveEnvFrom(request(), false), 'member');
    assert.equal(
      resolveEnvFrom(
        request((r) => (r.node = { envFrom: 'member' })),
        true,
      ),
      'member',
    );
    assert.equal(
      resolveEnvFrom(
        request((r) => (r.node = { envFrom: 'node' })),
        false,
      ),
      'node',
    );
  });

  it('takes the healthy voter serving the first endpoint as the template, else the first healthy voter', () => {
    const m = (n: number, healthy = true) => ({
      id: String(n),
      name: `etcd${n}`,
      peerURLs: [`http://127.0.24.1${n}:2380`],
      clientURLs: [`http://127.0.24.1${n}:2379`],
      isLearner: false,
      healthy,
    });
    assert.equal(templateMember([m(2), m(1)], request())?.name, 'etcd1');
    assert.equal(
      templateMember([m(1, false), m(3), m(2)], request())?.name,
      'etcd3',
    );
    assert.equal(templateMember([m(1, false)], request()), undefined);
  });

  it("derives the member-mode env from the template member's, with the new member's names", () => {
    const template = [
      'ETCD_NAME=etcd1',
      'ETCD_LISTEN_CLIENT_URLS=https://10.0.0.11:2379,https://127.0.0.1:2379',
      'ETCD_LISTEN_PEER_URLS=https://10.0.0.11:2380',
      'ETCD_CERT_FILE=/etc/ssl/etcd/ssl/member-etcd1.pem',
      'ETCDCTL_ENDPOINTS=https://127.0.0.1:2379',
      '',
    ].join('\n');
    const vars = envToWrite(
      {
        envFrom: 'member',
        template: {
          text: template,
          member: { name: 'etcd1', peerURLs: ['https://10.0.0.11:2380'] },
        },
      },
      joining,
      'etcd1=https://10.0.0.11:2380,etcd4=https://10.0.0.14:2380',
      '/var/lib/etcd',
    );
    assert.equal(vars.ETCD_NAME, 'etcd4');
    assert.equal(
      vars.ETCD_LISTEN_CLIENT_URLS,
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(vars.ETCD_CERT_FILE, '/etc/ssl/etcd/ssl/member-etcd4.pem');
    assert.equal(vars.ETCDCTL_ENDPOINTS, 'https://127.0.0.1:2379');
  });

  it('treats a member on another 127/8 address as that member, not as a loopback listener to copy', () => {
    const template = [
      'ETCD_NAME=etcd1',
      'ETCD_LISTEN_CLIENT_URLS=https://127.0.24.11:2379',
      'ETCD_LISTEN_PEER_URLS=https://127.0.24.11:2380',
      'ETCDCTL_ENDPOINTS=https://127.0.24.11:2379',
      '',
    ].join('\n');
    const lab = {
      name: 'etcd4',
      host: '127.0.24.14',
      peerURL: 'https://127.0.24.14:2380',
      clientURL: 'https://127.0.24.14:2379',
    };
    const vars = envToWrite(
      {
        envFrom: 'member',
        template: {
          text: template,
          member: { name: 'etcd1', peerURLs: ['https://127.0.24.11:2380'] },
        },
      },
      lab,
      'etcd1=https://127.0.24.11:2380,etcd4=https://127.0.24.14:2380',
      '/var/lib/etcd',
    );
    assert.equal(vars.ETCD_LISTEN_CLIENT_URLS, 'https://127.0.24.14:2379');
    assert.equal(vars.ETCD_LISTEN_PEER_URLS, 'https://127.0.24.14:2380');
    assert.equal(vars.ETCDCTL_ENDPOINTS, 'https://127.0.24.14:2379');
  });
});
