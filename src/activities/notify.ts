/**
 * The notify adapter: POSTs a run's outcome to the ticketing system, signed with HMAC-SHA256
 * (header `X-EtcdScaleout-Signature: sha256=<hex>` over the exact body). The secret is read from a
 * file on the worker; it never travels in the request or the history.
 */
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import { readCredential } from './credentials';

export const SIGNATURE_HEADER = 'x-etcdscaleout-signature';

export function sign(secret: string | Buffer, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function createNotifyActivities(deps: { fetch?: typeof fetch } = {}) {
  const doFetch = deps.fetch ?? fetch;
  return {
    async notifyWebhook(url: string, secretFile: string | undefined, payload: Record<string, unknown>): Promise<{ status: number }> {
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'etcd-scaleout' };
      if (secretFile) {
        const secret = await readCredential('notify.secretFile', secretFile);
        headers[SIGNATURE_HEADER] = sign(secret.toString('utf8').trim(), body);
      }
      let res: Response;
      try {
        res = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        throw ApplicationFailure.retryable(`POST ${url}: ${(err as Error).message}`, ErrorType.NotifyFailed);
      }
      if (res.status >= 300) throw ApplicationFailure.retryable(`POST ${url}: HTTP ${res.status}`, ErrorType.NotifyFailed);
      return { status: res.status };
    },
  };
}
