/** What every part of the bad requests (see ./index.ts) builds its cases from. */

export type Req = Record<string, any>;

/** A bad request before it is built: `edit` turns a deep clone of the good request into it. */
export interface Case {
  name: string;
  /** Must match the printed errors: `<field path>: <message>`. */
  field: RegExp;
  edit: (r: Req) => unknown;
}

export interface CaseContext {
  /** The good request's scheme, 'http:' or 'https:', and the other one. */
  scheme: string;
  other: string;
  hostOf: (url: string) => string;
  /** Every URL of the request on the given scheme. */
  allOn: (r: Req, s: string) => Req;
  /** A new member extra<i> on <prefix>.<i+1>, on the good request's scheme. */
  member: (
    i: number,
    prefix: string,
  ) => { name: string; host: string; peerURL: string; clientURL: string };
}

export function caseContext(good: Req): CaseContext {
  const scheme = new URL(good.cluster.endpoints[0]).protocol; // 'http:' or 'https:'
  const other = scheme === 'http:' ? 'https:' : 'http:';
  const hostOf = (url: string) => new URL(url).hostname;
  /** Every URL of the request on the given scheme. */
  const allOn = (r: Req, s: string): Req => {
    const to = (u: string) => u.replace(/^https?:/, s);
    r.cluster.endpoints = r.cluster.endpoints.map(to);
    for (const m of r.newMembers) {
      m.peerURL = to(m.peerURL);
      m.clientURL = to(m.clientURL);
    }
    return r;
  };
  const member = (i: number, prefix: string) => ({
    name: `extra${i}`,
    host: `${prefix}.${i + 1}`,
    peerURL: `${scheme}//${prefix}.${i + 1}:2380`,
    clientURL: `${scheme}//${prefix}.${i + 1}:2379`,
  });
  return { scheme, other, hostOf, allOn, member };
}
