/**
 * kubeadm's copy of the etcd list: `etcd.external.endpoints` of a ClusterConfiguration, in the
 * `kubeadm-config` ConfigMap (its `ClusterConfiguration` key) and, on Kubespray's control-plane nodes,
 * in /etc/kubernetes/kubeadm-config.yaml (several YAML documents: InitConfiguration or
 * JoinConfiguration, ClusterConfiguration, ...). `kubeadm upgrade apply` and a control-plane join write
 * every kube-apiserver manifest's --etcd-servers from it again, so a manifest edit that leaves it
 * behind does not last.
 *
 * The same edit as the manifest's (apiserverManifest.ts): the members the change removes taken out,
 * the new ones appended, the existing order kept (memberOrder.ts's one order). Text surgery located
 * by a YAML parse: only the lines of the list are rewritten, in the first item's indentation and
 * quoting, so every other byte (comments, key order, the other documents) stays as it was. A comment
 * between two items of the list is not kept.
 */
import { isSeq, parseAllDocuments, type Scalar } from 'yaml';
import { type EtcdServersChange, sameServer } from './apiserverManifest';

/** The field edited, as named in errors and in the plan. */
export const ENDPOINTS_FIELD = 'etcd.external.endpoints';
const PATH = ['etcd', 'external', 'endpoints'];

/** Why a ClusterConfiguration cannot be edited: an operator's to look at, never retried. */
export class KubeadmConfigRefused extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'KubeadmConfigRefused';
  }
}

export interface EndpointsEdit {
  /** The text after the edit (the same text when nothing changes). */
  text: string;
  changed: boolean;
  before: string[];
  after: string[];
  /** 1-based lines of the list before, and its lines before and after (without line endings). */
  line: number;
  oldLines: string[];
  newLines: string[];
}

interface Found {
  before: string[];
  /** The text range rewritten, the shape of its items, and the first item's quote. */
  start: number;
  end: number;
  flow: boolean;
  prefix: string;
  quote: string;
}

const QUOTES: Record<string, string> = {
  QUOTE_DOUBLE: '"',
  QUOTE_SINGLE: "'",
  PLAIN: '',
};

/** The one ClusterConfiguration's endpoints list, located in `text`; refused with the field named. */
function findEndpoints(text: string, file: string): Found {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs))
    throw new KubeadmConfigRefused(file, 'is empty: no ClusterConfiguration');
  const broken = docs.find((d) => d.errors.length);
  if (broken)
    throw new KubeadmConfigRefused(
      file,
      `is not valid YAML: ${broken.errors[0].message.split('\n')[0]}`,
    );
  const cluster = docs.filter((d) => d.get('kind') === 'ClusterConfiguration');
  if (cluster.length !== 1)
    throw new KubeadmConfigRefused(
      file,
      `has ${cluster.length} documents of kind ClusterConfiguration: exactly one is expected`,
    );
  const doc = cluster[0];
  if (doc.getIn(['etcd', 'local']) !== undefined)
    throw new KubeadmConfigRefused(
      file,
      `has etcd.local (an etcd that kubeadm runs itself), not ${ENDPOINTS_FIELD}: its members are not this cluster's`,
    );
  const seq = doc.getIn(PATH, true);
  if (!isSeq(seq))
    throw new KubeadmConfigRefused(
      file,
      `has no ${ENDPOINTS_FIELD} list (the external etcd's client URLs)`,
    );
  const items = seq.items as Scalar[];
  if (
    !items.length ||
    items.some(
      (i) => typeof i?.value !== 'string' || !((i.type ?? 'PLAIN') in QUOTES),
    )
  )
    throw new KubeadmConfigRefused(
      file,
      `${ENDPOINTS_FIELD} must be a non-empty list of URLs, one plain or quoted string each`,
    );
  const [first] = items;
  const last = items[items.length - 1];
  const at = (first.range as [number, number, number])[0];
  const quote = QUOTES[first.type ?? 'PLAIN'] ?? '';
  if (seq.flow) {
    const [start, end] = seq.range as [number, number, number];
    return {
      before: items.map((i) => String(i.value)),
      start,
      end,
      flow: true,
      prefix: '',
      quote,
    };
  }
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const prefix = text.slice(lineStart, at);
  if (!/^[ \t]*-[ \t]+$/.test(prefix))
    throw new KubeadmConfigRefused(
      file,
      `${ENDPOINTS_FIELD}: its first item does not start its own "- " line`,
    );
  return {
    before: items.map((i) => String(i.value)),
    start: lineStart,
    end: (last.range as [number, number, number])[1],
    flow: false,
    prefix,
    quote,
  };
}

/** The endpoints of the ClusterConfiguration in `text`, as written. */
export function kubeadmEndpointsOf(text: string, file: string): string[] {
  return findEndpoints(text, file).before;
}

const lineNumber = (text: string, offset: number) =>
  text.slice(0, offset).split('\n').length;

const linesOf = (text: string, start: number, end: number): string[] => {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', end);
  return text
    .slice(from, nl < 0 ? text.length : nl)
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
};

/**
 * The configuration with its endpoints changed like a manifest's --etcd-servers: `remove` taken out,
 * `add` appended unless listed (idempotent). Refused (KubeadmConfigRefused) when the list cannot be
 * found or the change would leave it empty.
 */
export function withKubeadmEndpoints(
  text: string,
  change: EtcdServersChange,
  file: string,
): EndpointsEdit {
  const f = findEndpoints(text, file);
  const remove = change.remove ?? [];
  const after = f.before.filter((s) => !remove.some((r) => sameServer(r, s)));
  for (const a of change.add ?? [])
    if (!after.some((s) => sameServer(s, a))) after.push(a);
  if (!after.length)
    throw new KubeadmConfigRefused(
      file,
      `the change would leave ${ENDPOINTS_FIELD} with no member`,
    );
  const changed =
    after.length !== f.before.length || after.some((s, i) => s !== f.before[i]);
  const q = (u: string) => `${f.quote}${u}${f.quote}`;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const value = f.flow
    ? `[${after.map(q).join(', ')}]`
    : after.map((u) => `${f.prefix}${q(u)}`).join(eol);
  const next = changed
    ? text.slice(0, f.start) + value + text.slice(f.end)
    : text;
  return {
    text: next,
    changed,
    before: f.before,
    after,
    line: lineNumber(text, f.start),
    oldLines: linesOf(text, f.start, f.end),
    newLines: linesOf(next, f.start, f.start + value.length),
  };
}

/** The edit as a unified diff for `plan`, the way renderManifestDiff shows a manifest's. */
export function renderEndpointsDiff(
  label: string,
  edit: EndpointsEdit,
): string[] {
  if (!edit.changed)
    return [
      `${label}: unchanged (${ENDPOINTS_FIELD} already lists every member)`,
    ];
  return [
    `--- ${label}`,
    `+++ ${label} (to be written)`,
    `@@ line ${edit.line} @@`,
    ...edit.oldLines.map((l) => `-${l}`),
    ...edit.newLines.map((l) => `+${l}`),
  ];
}
