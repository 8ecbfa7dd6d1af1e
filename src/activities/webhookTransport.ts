/**
 * One POST to a webhook, over node:http(s), to an address checked at the moment of sending. The
 * request schema refuses a URL whose host is a loopback, link-local, private or shared address
 * (domain/notify/webhookTarget.ts); a name is checked here, once resolved: every address it resolves to
 * must be public (unless notify.allowPrivateTargets), and the connection goes to exactly the
 * address that was checked (the lookup hands the socket the checked address), so a name that
 * resolves to a public address for the check and to 169.254.169.254 for the connection (DNS
 * rebinding) gets nowhere.
 *
 * No redirect is followed (node:http never does); the answer's body is discarded unread.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  nonPublicAddressKind,
  nonPublicHostKind,
  nonPublicTargetProblem,
} from '../domain/notify/webhookTarget';

/** The target is refused: not retried, the same URL will be refused again. */
export class WebhookTargetRefused extends Error {}

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  allowPrivateTargets: boolean;
  timeoutMs: number;
}

/**
 * A lookup that resolves the name, refuses it when any address is not public, and hands the socket
 * only the addresses it checked. Node's connect may ask for one address or for all of them.
 */
export function checkedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const refused = allowPrivate
        ? undefined
        : list.find((a) => nonPublicAddressKind(a.address));
      if (refused) {
        const kind = nonPublicAddressKind(refused.address) ?? 'private';
        return callback(
          new WebhookTargetRefused(
            `notify.webhookUrl ${nonPublicTargetProblem(`${hostname} resolves to ${refused.address}`, kind)}`,
          ),
          '',
          0,
        );
      }
      if (!list.length)
        return callback(new Error(`${hostname} has no address`), '', 0);
      if (options.all) return callback(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/** POSTs `post.body`; resolves with the answer's status. */
export function postWebhook(post: WebhookPost): Promise<number> {
  const u = new URL(post.url);
  const host = u.hostname;
  const literalKind = nonPublicHostKind(host);
  if (literalKind && !post.allowPrivateTargets)
    return Promise.reject(
      new WebhookTargetRefused(
        `notify.webhookUrl ${nonPublicTargetProblem(host, literalKind)}`,
      ),
    );
  const options: RequestOptions = {
    method: 'POST',
    headers: {
      ...post.headers,
      'content-length': String(Buffer.byteLength(post.body)),
    },
    lookup: checkedLookup(post.allowPrivateTargets),
    signal: AbortSignal.timeout(post.timeoutMs),
    // A fresh connection each time: a pooled socket would skip the lookup (and its check).
    agent: false,
  };
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(u, options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(post.body);
  });
}
