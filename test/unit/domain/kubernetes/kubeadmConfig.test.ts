/**
 * kubeadm's copy of the etcd list: only etcd.external.endpoints changes, in the list's own indentation
 * and quoting, every other byte (the other documents, comments, key order) stays; the ConfigMap's
 * ClusterConfiguration gets the same edit as a merge patch at the version it was read; the plan's diff.
 */
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import {
  KubeadmConfigRefused,
  kubeadmEndpointsOf,
  renderEndpointsDiff,
  withKubeadmEndpoints,
} from '../../../../src/domain/kubernetes/kubeadmConfig';
import {
  CONFIGMAP_LABEL,
  kubeadmConfigMapEdit,
  parseKubeadmConfigMap,
} from '../../../../src/domain/kubernetes/kubeadmConfigMap';

const FILE = '/etc/kubernetes/kubeadm-config.yaml';
const url = (i: number) => `https://10.3.0.${i}:2379`;
const OLD = [1, 2, 3].map(url);

/** Kubespray's kubeadm-config.v1beta4.yaml.j2 as rendered (trimmed): quoted items at 6 spaces, several documents. */
const kubespray = (endpoints = OLD, eol = '\n') =>
  [
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: InitConfiguration',
    'localAPIEndpoint:',
    '  advertiseAddress: "10.3.0.1"',
    '  bindPort: 6443',
    '---',
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: ClusterConfiguration',
    'clusterName: cluster.local',
    'etcd:',
    '  external:',
    '      endpoints:',
    ...endpoints.map((e) => `      - "${e}"`),
    '      caFile: /etc/ssl/etcd/ssl/ca.pem',
    '      certFile: /etc/ssl/etcd/ssl/node-node1.pem  # per node',
    '      keyFile: /etc/ssl/etcd/ssl/node-node1-key.pem',
    'networking:',
    '  serviceSubnet: "10.233.0.0/18"',
    '---',
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'kind: KubeProxyConfiguration',
    '',
  ].join(eol);

/** The ConfigMap's ClusterConfiguration as kubeadm writes it: sorted keys, plain items at 4 spaces. */
const uploaded = (endpoints = OLD) =>
  [
    'apiServer: {}',
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'certificatesDir: /etc/kubernetes/ssl',
    'clusterName: cluster.local',
    'etcd:',
    '  external:',
    '    caFile: /etc/ssl/etcd/ssl/ca.pem',
    '    certFile: /etc/ssl/etcd/ssl/node-node1.pem',
    '    endpoints:',
    ...endpoints.map((e) => `    - ${e}`),
    '    keyFile: /etc/ssl/etcd/ssl/node-node1-key.pem',
    'kind: ClusterConfiguration',
    'kubernetesVersion: v1.35.4',
    '',
  ].join('\n');

describe("kubeadm's ClusterConfiguration: etcd.external.endpoints", () => {
  it("appends and removes in the list's own style, every other byte kept", () => {
    const e = withKubeadmEndpoints(
      kubespray(),
      { add: [url(4), url(5)], remove: [url(2)] },
      FILE,
    );
    assert.equal(e.changed, true);
    assert.deepEqual(e.before, OLD);
    assert.deepEqual(e.after, [url(1), url(3), url(4), url(5)]);
    assert.equal(e.text, kubespray([url(1), url(3), url(4), url(5)]));
    assert.equal(e.line, 13);
    // Still three documents, the ClusterConfiguration's other fields as they were.
    const docs = parseAllDocuments(e.text) as ReturnType<
      typeof parseAllDocuments
    > &
      unknown[];
    assert.equal(docs.length, 3);
  });

  it('keeps CRLF line endings', () => {
    const e = withKubeadmEndpoints(
      kubespray(OLD, '\r\n'),
      { add: [url(4)] },
      FILE,
    );
    assert.equal(e.text, kubespray([...OLD, url(4)], '\r\n'));
  });

  it("edits kubeadm's own upload (plain items) and a flow list alike", () => {
    const e = withKubeadmEndpoints(uploaded(), { add: [url(4)] }, 'cm');
    assert.equal(e.text, uploaded([...OLD, url(4)]));
    const flow = `kind: ClusterConfiguration\netcd:\n  external:\n    endpoints: ['${url(1)}', '${url(2)}'] # flow\n    caFile: /ca.pem\n`;
    const f = withKubeadmEndpoints(
      flow,
      { remove: [url(1)], add: [url(3)] },
      'f',
    );
    assert.equal(
      f.text,
      `kind: ClusterConfiguration\netcd:\n  external:\n    endpoints: ['${url(2)}', '${url(3)}'] # flow\n    caFile: /ca.pem\n`,
    );
  });

  it('is idempotent: a list that has the change already is left byte for byte', () => {
    const once = withKubeadmEndpoints(kubespray(), { add: [url(4)] }, FILE);
    const twice = withKubeadmEndpoints(once.text, { add: [url(4)] }, FILE);
    assert.equal(twice.changed, false);
    assert.equal(twice.text, once.text);
    // The same server written another way is the same server.
    const same = withKubeadmEndpoints(
      kubespray(),
      { add: ['HTTPS://10.3.0.1:2379/'] },
      FILE,
    );
    assert.equal(same.changed, false);
  });

  it('refuses, naming the field, what it cannot edit safely', () => {
    const refuses = (
      text: string,
      pattern: RegExp,
      change = { add: [url(4)] },
    ) =>
      assert.throws(
        () => withKubeadmEndpoints(text, change, FILE),
        (err: unknown) =>
          err instanceof KubeadmConfigRefused &&
          err.message.startsWith(`${FILE}: `) &&
          pattern.test(err.message),
      );
    refuses(
      'kind: InitConfiguration\n',
      /0 documents of kind ClusterConfiguration/,
    );
    refuses(
      'kind: ClusterConfiguration\netcd:\n  local:\n    dataDir: /var/lib/etcd\n',
      /etcd\.local .* not etcd\.external\.endpoints/,
    );
    refuses(
      'kind: ClusterConfiguration\n',
      /no etcd\.external\.endpoints list/,
    );
    refuses(
      'kind: ClusterConfiguration\netcd:\n  external:\n    endpoints: []\n',
      /etcd\.external\.endpoints must be a non-empty list/,
    );
    refuses('kind: ClusterConfiguration\netcd: [\n', /is not valid YAML/);
    refuses(
      kubespray(),
      /would leave etcd\.external\.endpoints with no member/,
      {
        remove: OLD,
      } as never,
    );
    assert.deepEqual(kubeadmEndpointsOf(kubespray(), FILE), OLD);
  });

  it("renders the plan's diff: the list's lines before and after", () => {
    const e = withKubeadmEndpoints(kubespray(), { add: [url(4)] }, FILE);
    assert.deepEqual(renderEndpointsDiff(FILE, e), [
      `--- ${FILE}`,
      `+++ ${FILE} (to be written)`,
      '@@ line 13 @@',
      ...OLD.map((u) => `-      - "${u}"`),
      ...[...OLD, url(4)].map((u) => `+      - "${u}"`),
    ]);
    const same = withKubeadmEndpoints(e.text, { add: [url(4)] }, FILE);
    assert.deepEqual(renderEndpointsDiff(FILE, same), [
      `${FILE}: unchanged (etcd.external.endpoints already lists every member)`,
    ]);
  });
});

describe('the kubeadm-config ConfigMap', () => {
  const answer = (text: unknown, rv = '4711') =>
    JSON.stringify({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name: 'kubeadm-config',
        namespace: 'kube-system',
        resourceVersion: rv,
      },
      data: { ClusterConfiguration: text, ClusterStatus: 'kept' },
    });

  it('patches only its ClusterConfiguration, at the version it was read', () => {
    const cm = parseKubeadmConfigMap(answer(uploaded()));
    const e = kubeadmConfigMapEdit(cm, { add: [url(4)], remove: [url(1)] });
    assert.equal(e.changed, true);
    assert.deepEqual(JSON.parse(e.patch ?? ''), {
      metadata: { resourceVersion: '4711' },
      data: { ClusterConfiguration: uploaded([url(2), url(3), url(4)]) },
    });
    assert.deepEqual(renderEndpointsDiff(CONFIGMAP_LABEL, e).slice(0, 3), [
      `--- ${CONFIGMAP_LABEL}`,
      `+++ ${CONFIGMAP_LABEL} (to be written)`,
      '@@ line 10 @@',
    ]);
    const again = kubeadmConfigMapEdit(parseKubeadmConfigMap(answer(e.text)), {
      add: [url(4)],
      remove: [url(1)],
    });
    assert.equal(again.changed, false);
    assert.equal(again.patch, undefined);
  });

  it('refuses an answer without a ClusterConfiguration text, naming the key', () => {
    for (const body of [answer(undefined), '{"kind":"Status"}', 'not json'])
      assert.throws(
        () => parseKubeadmConfigMap(body),
        (err: unknown) =>
          err instanceof KubeadmConfigRefused &&
          err.message.startsWith(`${CONFIGMAP_LABEL}: `),
      );
  });
});
