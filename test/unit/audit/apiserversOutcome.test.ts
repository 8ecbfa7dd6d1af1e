/**
 * What status and the audit say of the apiservers phase: each rollout's nodes, kubeadm's copies of the
 * list (what changed, or that the cluster has none), and a replacement's `unchanged` (the member
 * rebuilt at its own address, so no apiserver was touched).
 */
import assert from 'node:assert/strict';
import { outcome } from '../../../src/audit/outcome';
import type { AuditReport } from '../../../src/audit/types';
import { resultRows } from '../../../src/cli/render/result';
import { kubeadmSummary } from '../../../src/workflows/steps/kubeadmConfigMap';

const KUBEADM =
  'ConfigMap kube-system/kubeadm-config (ClusterConfiguration) etcd.external.endpoints changed; /etc/kubernetes/kubeadm-config.yaml changed on 10.0.0.11';
const rollout = {
  told: 'all',
  nodes: [{ host: '10.0.0.11', state: 'told', totalMs: 9000 }],
  kubeadm: KUBEADM,
};
const UNCHANGED =
  "--etcd-servers unchanged: https://10.0.0.12:2379 is etcd2's own client URL before and after, so no kube-apiserver was touched";

function rows(result: unknown): string[] {
  const out: string[] = [];
  resultRows(result, (k, v) => out.push(`${k}: ${v}`), out);
  return out;
}

const audit = (result: unknown) =>
  outcome({
    status: 'COMPLETED',
    phases: [],
    outcome: { status: 'COMPLETED', at: '2026-12-07T10:00:00Z', result },
  } as unknown as AuditReport).join('\n');

describe("status and the audit: the apiservers phase and kubeadm's copies", () => {
  it("name kubeadm's copies after each rollout", () => {
    const r = { from: 3, to: 5, apiservers: rollout };
    assert.ok(rows(r).includes(`kubeadm: ${KUBEADM}`), rows(r).join('\n'));
    assert.match(
      audit(r),
      /kubeadm's copies of the list: ConfigMap kube-system\/kubeadm-config/,
    );
    const replaced = { apiservers: { out: rollout, in: rollout } };
    assert.deepEqual(
      rows(replaced).filter((l) => l.startsWith('kubeadm:')),
      [`kubeadm: out: ${KUBEADM}`, `kubeadm: in: ${KUBEADM}`],
    );
    assert.match(audit(replaced), /kubeadm's copies of the list \(in\): /);
  });

  it("name a replacement's unchanged lists", () => {
    const r = { apiservers: { unchanged: UNCHANGED } };
    assert.ok(rows(r).includes(`apiservers: ${UNCHANGED}`), rows(r).join('\n'));
    // The audit is Markdown: a leading `--` is escaped.
    assert.match(audit(r), /kube-apiservers: \\?--etcd-servers unchanged: /);
  });
});

describe("the result's words for kubeadm's copies (steps/kubeadmConfigMap.ts)", () => {
  const FILE = '/etc/kubernetes/kubeadm-config.yaml';
  const node = (host: string, state: 'changed' | 'unchanged' | 'absent') => ({
    host,
    manifest: '/etc/kubernetes/manifests/kube-apiserver.yaml',
    state: 'told' as const,
    kubeadmConfig: { file: FILE, state },
  });

  it('says what changed, what had the list, and where there is none', () => {
    assert.equal(
      kubeadmSummary(
        [node('a', 'changed'), node('b', 'unchanged'), node('c', 'absent')],
        { state: 'changed', host: 'a' },
        FILE,
      ),
      `ConfigMap kube-system/kubeadm-config (ClusterConfiguration) etcd.external.endpoints changed; ${FILE} changed on a; ${FILE} already had the list on b; no ${FILE} on c`,
    );
  });

  it('tells a control plane without kubeadm so, without failing', () => {
    assert.equal(
      kubeadmSummary(
        [node('a', 'absent'), node('b', 'absent')],
        {
          state: 'absent',
          host: 'a',
          reason: 'no /etc/kubernetes/admin.conf on a',
        },
        FILE,
      ),
      `no kubeadm configuration: no ConfigMap kube-system/kubeadm-config (ClusterConfiguration) (no /etc/kubernetes/admin.conf on a) and no ${FILE} on any control-plane node (not a kubeadm-built control plane); nothing of kubeadm's to keep in step`,
    );
  });
});
