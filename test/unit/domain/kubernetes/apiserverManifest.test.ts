/** kube-apiserver's manifest: only the --etcd-servers value changes, every other byte stays. */
import assert from 'node:assert/strict';
import {
  etcdServersOf,
  ManifestRefused,
  renderManifestDiff,
  withEtcdServers,
} from '../../../../src/domain/kubernetes/apiserverManifest';

const FILE = '/etc/kubernetes/manifests/kube-apiserver.yaml';
const OLD = [1, 2, 3].map((i) => `https://10.3.0.${i}:2379`);
const NEW = [4, 5].map((i) => `https://10.3.0.${i}:2379`);

/** The manifest as kubeadm writes it for Kubespray (trimmed), the flag in a `command:` list item. */
const kubespray = (servers = OLD.join(','), eol = '\n') =>
  [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  annotations:',
    '    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: 10.3.0.1:6443',
    '  labels:',
    '    component: kube-apiserver',
    '    tier: control-plane',
    '  name: kube-apiserver',
    '  namespace: kube-system',
    'spec:',
    '  containers:',
    '  - command:',
    '    - kube-apiserver',
    '    - --advertise-address=10.3.0.1',
    '    - --etcd-cafile=/etc/ssl/etcd/ssl/ca.pem',
    '    - --etcd-certfile=/etc/ssl/etcd/ssl/node-node1.pem',
    '    - --etcd-keyfile=/etc/ssl/etcd/ssl/node-node1-key.pem',
    `    - --etcd-servers=${servers}`,
    '    - --etcd-servers-overrides=/events#https://10.3.0.9:2379',
    '    # - --etcd-servers=https://old:2379 (kept as a comment)',
    '    - --secure-port=6443',
    '    image: registry.k8s.io/kube-apiserver:v1.35.4',
    '',
  ].join(eol);

/** Every line but `line` (1-based) is the same in both texts. */
function onlyLineDiffers(a: string, b: string, line: number) {
  const [x, y] = [a.split('\n'), b.split('\n')];
  assert.equal(x.length, y.length);
  x.forEach((l, i) => {
    if (i + 1 !== line) assert.equal(y[i], l, `line ${i + 1} changed`);
  });
}

const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(
    fn,
    (err) =>
      err instanceof ManifestRefused &&
      err.file === FILE &&
      pattern.test(err.message),
  );

describe('kube-apiserver manifest: withEtcdServers', () => {
  it('appends the new members in order, keeping the old order; only that line changes', () => {
    const text = kubespray();
    const e = withEtcdServers(text, { add: NEW }, FILE);
    assert.ok(e.changed);
    assert.deepEqual(e.before, OLD);
    assert.deepEqual(e.after, [...OLD, ...NEW]);
    assert.equal(e.line, 19);
    assert.equal(e.oldLine, `    - --etcd-servers=${OLD.join(',')}`);
    assert.equal(
      e.newLine,
      `    - --etcd-servers=${[...OLD, ...NEW].join(',')}`,
    );
    assert.equal(e.text, kubespray([...OLD, ...NEW].join(',')));
    onlyLineDiffers(text, e.text, 19);
    assert.deepEqual(etcdServersOf(e.text, FILE), [...OLD, ...NEW]);
  });

  it('is idempotent: members already listed (in any spelling) leave the text as it is', () => {
    const once = withEtcdServers(kubespray(), { add: NEW }, FILE);
    const twice = withEtcdServers(once.text, { add: NEW }, FILE);
    assert.equal(twice.changed, false);
    assert.equal(twice.text, once.text);
    const spelled = withEtcdServers(
      once.text,
      { add: ['HTTPS://10.3.0.4:2379/', 'https://10.3.0.5:2379'] },
      FILE,
    );
    assert.equal(spelled.changed, false);
  });

  it('adds only the missing one when one of the new members is listed already', () => {
    const e = withEtcdServers(
      kubespray([...OLD, NEW[0]].join(',')),
      { add: NEW },
      FILE,
    );
    assert.deepEqual(e.after, [...OLD, ...NEW]);
  });

  it('removes members (for a later scale-in) and adds in one edit', () => {
    const e = withEtcdServers(
      kubespray(),
      { remove: [OLD[1]], add: [NEW[0]] },
      FILE,
    );
    assert.deepEqual(e.after, [OLD[0], OLD[2], NEW[0]]);
    refused(
      () => withEtcdServers(kubespray(), { remove: OLD }, FILE),
      /would leave --etcd-servers with no server/,
    );
  });

  it('keeps CRLF line endings and every other byte', () => {
    const text = kubespray(OLD.join(','), '\r\n');
    const e = withEtcdServers(text, { add: NEW }, FILE);
    assert.equal(e.text, kubespray([...OLD, ...NEW].join(','), '\r\n'));
    assert.ok(!e.newLine.endsWith('\r'));
  });

  it('keeps double and single quotes around the argument', () => {
    for (const q of ['"', "'"]) {
      const text = `spec:\n  containers:\n  - command:\n    - kube-apiserver\n    - ${q}--etcd-servers=${OLD.join(',')}${q}\n    - ${q}--secure-port=6443${q}\n`;
      const e = withEtcdServers(text, { add: NEW }, FILE);
      assert.equal(
        e.text,
        text.replace(OLD.join(','), [...OLD, ...NEW].join(',')),
      );
    }
  });

  it('edits a flow-style command list', () => {
    const text = `    command: ["kube-apiserver", "--etcd-servers=${OLD.join(',')}", "--secure-port=6443"]\n`;
    const e = withEtcdServers(text, { add: NEW }, FILE);
    assert.equal(
      e.text,
      text.replace(OLD.join(','), [...OLD, ...NEW].join(',')),
    );
    const bare = `    command: [kube-apiserver, --etcd-servers=${OLD[0]}]\n`;
    assert.equal(
      withEtcdServers(bare, { add: NEW }, FILE).text,
      `    command: [kube-apiserver, --etcd-servers=${[OLD[0], ...NEW].join(',')}]\n`,
    );
  });

  it('edits a manifest without a final newline', () => {
    const text = `- --etcd-servers=${OLD[0]}`;
    assert.equal(
      withEtcdServers(text, { add: [NEW[0]] }, FILE).text,
      `- --etcd-servers=${OLD[0]},${NEW[0]}`,
    );
  });

  it('refuses a manifest without the flag, naming the file (comments and --etcd-servers-overrides do not count)', () => {
    refused(
      () => withEtcdServers('kind: Pod\n', { add: NEW }, FILE),
      /kube-apiserver\.yaml: has no --etcd-servers= flag/,
    );
    refused(
      () =>
        withEtcdServers(
          '# - --etcd-servers=https://a:2379\n- --etcd-servers-overrides=/events#https://b:2379\n',
          { add: NEW },
          FILE,
        ),
      /has no --etcd-servers= flag/,
    );
  });

  it('refuses several flags, naming their lines', () => {
    const text = `- --etcd-servers=${OLD[0]}\n- --etcd-servers=${OLD[1]}\n`;
    refused(
      () => withEtcdServers(text, { add: NEW }, FILE),
      /has 2 --etcd-servers flags \(lines 1, 2\)/,
    );
  });

  it('refuses the flag without "=", an empty value and an unclosed quote', () => {
    refused(
      () =>
        withEtcdServers(
          `- --etcd-servers\n- ${OLD.join(',')}\n`,
          { add: NEW },
          FILE,
        ),
      /line 1 gives --etcd-servers without "="/,
    );
    refused(
      () => withEtcdServers('- --etcd-servers=\n', { add: NEW }, FILE),
      /line 1: --etcd-servers= has no value/,
    );
    refused(
      () =>
        withEtcdServers(`- "--etcd-servers=${OLD[0]}\n`, { add: NEW }, FILE),
      /not closed on its line/,
    );
  });

  it('renders the edit as a one-line diff for plan', () => {
    const e = withEtcdServers(kubespray(), { add: NEW }, FILE);
    assert.deepEqual(renderManifestDiff(FILE, e), [
      `--- ${FILE}`,
      `+++ ${FILE} (to be written)`,
      '@@ line 19 @@',
      `-    - --etcd-servers=${OLD.join(',')}`,
      `+    - --etcd-servers=${[...OLD, ...NEW].join(',')}`,
    ]);
    const same = withEtcdServers(e.text, { add: NEW }, FILE);
    assert.match(renderManifestDiff(FILE, same)[0], /unchanged/);
  });
});
