/**
 * The request's cross-field checks: what no single field can know. They run only once every field is
 * well formed (each field's own message comes first), and each names the field to fix.
 */
import type { z } from 'zod';
import { hostOf, isIpAddress } from './patterns';
import type { ScaleOutRequest } from './requestShape';

/** How long a certificate issued by etcd-scaleout is valid: what Kubespray's make-ssl-etcd.sh gives. */
export const ISSUED_CERT_DAYS = 365;

type Ctx = z.RefinementCtx;
const issue = (ctx: Ctx, path: (string | number)[], message: string) =>
  ctx.addIssue({ code: 'custom', path, message });

const schemeOf = (u: string) => {
  try {
    return new URL(u).protocol;
  } catch {
    return undefined;
  }
};

/**
 * `replacing`: the name of the member a replacement replaces (replaceRequest.ts). A new member of that
 * same name may be on that member's own endpoint: the machine rebuilt with its address and inventory
 * entry. Only the endpoint equal to its client URL is exempt; preflight checks etcd lists the replaced
 * member at exactly those URLs and that it is down (planning/replace.ts).
 */
export function checkRequest(
  req: ScaleOutRequest,
  ctx: Ctx,
  replacing?: string,
): void {
  if (
    !Array.isArray(req.cluster?.endpoints) ||
    !Array.isArray(req.newMembers) ||
    !req.strategy
  )
    return;
  const urls = [
    ...req.cluster.endpoints,
    ...req.newMembers.flatMap((m) => [m.clientURL, m.peerURL]),
  ];
  if (
    urls.some(
      (u) => typeof u !== 'string' || !/^https?:$/.test(schemeOf(u) ?? ''),
    )
  )
    return;
  const schemes = new Set(urls.map(schemeOf));
  if (schemes.size > 1)
    issue(
      ctx,
      ['cluster', 'endpoints'],
      'endpoints and new members must all use http or all use https, not a mix',
    );
  if (req.cluster.tls && schemes.has('http:') && !schemes.has('https:')) {
    issue(
      ctx,
      ['cluster', 'tls'],
      'TLS files were given but the endpoints use http; use https endpoints or drop cluster.tls',
    );
  }
  checkDuplicates(req, ctx);
  for (const [i, m] of req.newMembers.entries())
    checkNewMember(req, m, i, ctx, replacing);
  if (req.strategy.canary > req.newMembers.length) {
    issue(
      ctx,
      ['strategy', 'canary'],
      `is ${req.strategy.canary} but only ${req.newMembers.length} new member(s) are requested`,
    );
  }
  checkFourEyes(req, ctx);
  if (req.strategy.certificates === 'issue') {
    if (!req.cluster.tls || !schemes.has('https:')) {
      issue(
        ctx,
        ['strategy', 'certificates'],
        'is "issue" but the cluster has no TLS: use https URLs and give cluster.tls (the CA host and key)',
      );
    }
    if (req.strategy.minCertValidityDays >= ISSUED_CERT_DAYS) {
      issue(
        ctx,
        ['strategy', 'minCertValidityDays'],
        `is ${req.strategy.minCertValidityDays}, but issued certificates are valid for ${ISSUED_CERT_DAYS} days (Kubespray's); use less with strategy.certificates "issue"`,
      );
    }
  }
}

/** Four eyes needs a gate to decide at, and a requester to tell the approver from. */
function checkFourEyes(req: ScaleOutRequest, ctx: Ctx): void {
  if (!req.strategy.fourEyes) return;
  if (req.strategy.approval !== 'after-canary')
    issue(
      ctx,
      ['strategy', 'fourEyes'],
      `is true, but strategy.approval is "${req.strategy.approval}": four eyes needs the approval gate ("after-canary")`,
    );
  if (!req.ticket?.requestedBy)
    issue(
      ctx,
      ['ticket', 'requestedBy'],
      'is required with strategy.fourEyes: the approver must differ from the requester (the HTTP API sets it from the token)',
    );
}

/** Two members on one host would share its ports and its data dir: the second start sees the first's etcd. */
function checkDuplicates(req: ScaleOutRequest, ctx: Ctx): void {
  const firstEndpoint = new Map<string, number>();
  req.cluster.endpoints.forEach((e, i) => {
    if (firstEndpoint.has(e))
      issue(
        ctx,
        ['cluster', 'endpoints', i],
        `duplicates cluster.endpoints[${firstEndpoint.get(e)}] (${e})`,
      );
    else firstEndpoint.set(e, i);
  });
  const seen = (
    key: (m: ScaleOutRequest['newMembers'][number]) => string,
    field: string,
    why = '',
  ) => {
    const first = new Map<string, number>();
    req.newMembers.forEach((m, i) => {
      const k = key(m);
      if (first.has(k))
        issue(
          ctx,
          ['newMembers', i, field],
          `duplicates newMembers[${first.get(k)}].${field} (${k})${why}`,
        );
      else first.set(k, i);
    });
  };
  seen((m) => m.name, 'name');
  seen((m) => m.peerURL, 'peerURL');
  seen((m) => m.clientURL, 'clientURL');
  // A member without inventoryHost is its own (its name is unique already).
  seen((m) => m.inventoryHost ?? `(member ${m.name})`, 'inventoryHost');
  seen(
    (m) => m.listenAddress ?? m.host,
    'host',
    ': one etcd member per host (they would share ports and the data dir)',
  );
}

function checkNewMember(
  req: ScaleOutRequest,
  m: ScaleOutRequest['newMembers'][number],
  i: number,
  ctx: Ctx,
  replacing?: string,
): void {
  for (const [field, url] of [
    ['peerURL', m.peerURL],
    ['clientURL', m.clientURL],
  ] as const) {
    const host = hostOf(url);
    if (host !== m.host)
      issue(
        ctx,
        ['newMembers', i, field],
        `host ${host} differs from newMembers[${i}].host (${m.host})`,
      );
    // The URLs are also listen URLs unless listenAddress is given: etcd refuses names there.
    else if (!m.listenAddress && !isIpAddress(host)) {
      issue(
        ctx,
        ['newMembers', i, field],
        `host ${host} is a name, but etcd binds its listen URLs to IP addresses only ("expected IP in URL for binding"): use an IP address or set newMembers[${i}].listenAddress`,
      );
    }
  }
  const rebuilt =
    replacing !== undefined &&
    m.name === replacing &&
    req.cluster.endpoints.includes(m.clientURL);
  // The rebuilt member's own endpoint is not another member's; any other endpoint on its host still is.
  const endpoints = rebuilt
    ? req.cluster.endpoints.filter((e) => e !== m.clientURL)
    : req.cluster.endpoints;
  if (endpoints.includes(m.clientURL)) {
    issue(
      ctx,
      ['newMembers', i, 'clientURL'],
      `${m.clientURL} is already one of cluster.endpoints${
        replacing !== undefined
          ? `; only the member replaced (${replacing}) rebuilt on its own machine may keep its endpoint, and then newMembers[${i}].name must be "${replacing}"`
          : ''
      }`,
    );
  } else if (
    endpoints.some((e) => hostOf(e) === m.host || hostOf(e) === m.listenAddress)
  ) {
    issue(
      ctx,
      ['newMembers', i, 'host'],
      `${m.host} is the host of an existing member (cluster.endpoints): one etcd member per host`,
    );
  }
  // One socket cannot serve both: etcd would be added as a learner and then fail to bind.
  const peerHostPort = new URL(m.peerURL).host;
  if (
    peerHostPort === new URL(m.clientURL).host ||
    req.cluster.endpoints.some((e) => new URL(e).host === peerHostPort)
  ) {
    issue(
      ctx,
      ['newMembers', i, 'peerURL'],
      `${m.peerURL} uses the host:port of a client URL; peer and client URLs need different ports`,
    );
  }
}
