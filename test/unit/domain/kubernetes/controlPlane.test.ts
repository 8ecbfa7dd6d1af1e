/** The control-plane section of a profile (and of an inline request): its rules, each refusal naming its field. */
import assert from 'node:assert/strict';
import { manifestBackupDir } from '../../../../src/domain/kubernetes/controlPlane';
import { validateProfile } from '../../../../src/domain/profile/profile';
import { resolveRequest } from '../../../../src/domain/profile/profileResolution';
import { validateRequest } from '../../../../src/domain/request/request';
import { sampleRequest } from '../../../support/badRequests';

type Req = Record<string, any>;

const node = (i: number): Req => ({
  host: `127.0.24.1${i}`,
  readyzURL: `https://127.0.24.1${i}:6443/readyz`,
  tls: { caFile: '/etc/etcd-scaleout/kubernetes-ca.crt' },
});

const profileWith = (controlPlane: unknown): Req => {
  const { cluster, ssh, backup } = sampleRequest();
  return { cluster, ssh, backup, controlPlane };
};

function fieldErrors(controlPlane: unknown): Record<string, string> {
  const v = validateProfile(profileWith(controlPlane), 'lab-24');
  assert.equal(v.ok, false, 'refused');
  return v.ok
    ? {}
    : Object.fromEntries(v.errors.map((e) => [e.field, e.message]));
}

describe('control plane section', () => {
  it('accepts nodes with their defaults: the manifest path, a 180 s ready timeout, a 10 s settle', () => {
    const v = validateRequest({
      ...sampleRequest(),
      controlPlane: { nodes: [node(1), { ...node(2), sshPort: 2200 }] },
    });
    assert.ok(v.ok, JSON.stringify(v));
    if (!v.ok) return;
    const cp = v.request.controlPlane;
    assert.equal(
      cp?.nodes[0].manifest,
      '/etc/kubernetes/manifests/kube-apiserver.yaml',
    );
    assert.equal(cp?.nodes[1].sshPort, 2200);
    assert.equal(cp?.readyTimeoutSeconds, 180);
    assert.equal(cp?.settleSeconds, 10);
    assert.equal(validateRequest(sampleRequest()).ok, true, 'optional');
  });

  it('refuses bad values, naming each field', () => {
    const errors = fieldErrors({
      nodes: [
        {
          host: 'bad host;rm',
          manifest: '/etc/kube-apiserver.yaml',
          readyzURL: 'http://10.0.0.1:6443/readyz',
          tls: { caFile: 'ca.crt', certFile: '/etc/x/client.crt' },
        },
        { ...node(2), readyzURL: 'https://10.0.0.2/healthz' },
        {
          ...node(3),
          readyzURL: 'https://10.0.0.3:6443/readyz?verbose',
          manifest: '/etc/kubernetes/manifests/kube-apiserver.conf',
        },
        node(3),
      ],
      readyTimeoutSeconds: 1,
      settleSeconds: -1,
      extra: true,
    });
    assert.deepEqual(Object.keys(errors).sort(), [
      'controlPlane',
      'controlPlane.nodes[0].host',
      'controlPlane.nodes[0].manifest',
      'controlPlane.nodes[0].readyzURL',
      'controlPlane.nodes[0].tls.caFile',
      'controlPlane.nodes[0].tls.keyFile',
      'controlPlane.nodes[1].readyzURL',
      'controlPlane.nodes[2].manifest',
      'controlPlane.nodes[2].readyzURL',
      'controlPlane.nodes[3].host',
      'controlPlane.readyTimeoutSeconds',
      'controlPlane.settleSeconds',
    ]);
    assert.match(errors.controlPlane, /unknown field\(s\): extra/);
    assert.match(errors['controlPlane.nodes[0].readyzURL'], /must use https/);
    assert.match(errors['controlPlane.nodes[0].manifest'], /static-pod folder/);
    assert.match(errors['controlPlane.nodes[1].readyzURL'], /port explicitly/);
    assert.match(errors['controlPlane.nodes[2].readyzURL'], /no query/);
    assert.match(
      errors['controlPlane.nodes[3].host'],
      /same node as nodes\[2\]/,
    );
    assert.match(errors['controlPlane.nodes[0].tls.keyFile'], /together/);
  });

  it('is owned by the profile: a ticket may not set it on a worker that refuses inline settings', () => {
    const { cluster, newMembers, ticket } = sampleRequest();
    const r = resolveRequest(
      {
        cluster: { name: cluster.name },
        newMembers,
        ticket,
        controlPlane: { nodes: [node(1)] },
      },
      {
        cluster: 'lab-24',
        file: '/etc/etcd-scaleout/profiles/lab-24.json',
        inlineSettings: 'deny',
        profile: profileWith({ nodes: [node(1)] }) as never,
      },
    );
    assert.ok(!r.ok);
    assert.deepEqual(r.ok ? [] : r.errors.map((e) => e.field), [
      'controlPlane.nodes',
    ]);
  });

  it('keeps the originals outside the manifests folder (the kubelet runs every manifest there)', () => {
    assert.equal(
      manifestBackupDir('/etc/kubernetes/manifests/kube-apiserver.yaml', 'r-1'),
      '/etc/kubernetes/etcd-scaleout-backups/r-1',
    );
    assert.equal(
      manifestBackupDir('/manifests/kube-apiserver.yaml', 'r-1'),
      '/etcd-scaleout-backups/r-1',
    );
  });
});
