/**
 * The notify adapter: POSTs a run's outcome to the ticketing system, signed with HMAC-SHA256 over
 * the time of sending and the exact body, so a receiver can refuse replays:
 *
 *   x-etcdscaleout-timestamp: <unix seconds>
 *   x-etcdscaleout-signature: sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>
 *
 * A receiver recomputes the HMAC over its own copy of the timestamp header, a ".", and the raw body;
 * compares in constant time; refuses a timestamp more than 5 minutes from its clock; and treats the
 * body's `runId` as the delivery key (one outcome per run, retries send the same body). The secret
 * is read from a file on the worker (a small regular file only, notifySecret.ts); it never travels
 * in the request or the history. Loopback, link-local, private and shared targets are refused unless
 * the profile allows them, checked on the address actually connected to (webhookTransport.ts).
 *
 * Redirects are not followed (the signed body must not go to a host nobody configured), and a 4xx
 * answer other than 408 and 429 is final: the receiver refused this body, and sending it again will
 * not change its mind. The URL appears in errors only as scheme, host and port (shownWebhookUrl).
 */
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import { shownWebhookUrl } from '../domain/notify/webhookUrl';
import { readNotifySecret } from './notifySecret';
import { postWebhook, WebhookTargetRefused } from './webhookTransport';

export const SIGNATURE_HEADER = 'x-etcdscaleout-signature';
export const TIMESTAMP_HEADER = 'x-etcdscaleout-timestamp';

/** Answers worth sending again: the receiver timed out or asked to slow down. */
const RETRYABLE_CLIENT_ERRORS = [408, 429];

/** HMAC-SHA256 of `message` as the header writes it: `sha256=<hex>`. */
export function sign(secret: string | Buffer, message: string): string {
  return `sha256=${createHmac('sha256', secret).update(message).digest('hex')}`;
}

/** The timestamp and signature headers for `body`, sent at `nowMs`. */
export function signatureHeaders(
  secret: string | Buffer,
  body: string,
  nowMs: number,
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: sign(secret, `${timestamp}.${body}`),
  };
}

/** The failure for an answer that is not 2xx: retried only when sending again can help. */
function refusal(shown: string, status: number): ApplicationFailure {
  if (status >= 300 && status < 400) {
    return ApplicationFailure.nonRetryable(
      `POST ${shown}: HTTP ${status} redirect, not followed: set notify.webhookUrl to the final URL`,
      ErrorType.NotifyFailed,
    );
  }
  if (
    status >= 400 &&
    status < 500 &&
    !RETRYABLE_CLIENT_ERRORS.includes(status)
  ) {
    return ApplicationFailure.nonRetryable(
      `POST ${shown}: HTTP ${status}: the receiver refused the notification (not retried)`,
      ErrorType.NotifyFailed,
    );
  }
  return ApplicationFailure.retryable(
    `POST ${shown}: HTTP ${status}`,
    ErrorType.NotifyFailed,
  );
}

/** How the request's notify section reaches the activity beside the URL and the secret file. */
export interface NotifyOptions {
  /** notify.allowPrivateTargets: absent (runs scheduled before it existed) means false. */
  allowPrivateTargets?: boolean;
}

export function createNotifyActivities(deps: { now?: () => number } = {}) {
  const now = deps.now ?? Date.now;
  return {
    async notifyWebhook(
      url: string,
      secretFile: string | undefined,
      payload: Record<string, unknown>,
      options: NotifyOptions = {},
    ): Promise<{ status: number }> {
      const shown = shownWebhookUrl(url);
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'etcd-scaleout',
      };
      if (secretFile) {
        const secret = await readNotifySecret(secretFile);
        Object.assign(headers, signatureHeaders(secret, body, now()));
      }
      let status: number;
      try {
        status = await postWebhook({
          url,
          headers,
          body,
          allowPrivateTargets: options.allowPrivateTargets === true,
          timeoutMs: 10_000,
        });
      } catch (err) {
        if (err instanceof WebhookTargetRefused)
          throw ApplicationFailure.nonRetryable(
            `POST ${shown}: ${err.message}`,
            ErrorType.NotifyFailed,
          );
        // Network errors may quote the URL: only the shown form goes into the failure.
        throw ApplicationFailure.retryable(
          `POST ${shown}: ${(err as Error).message.split(url).join(shown)}`,
          ErrorType.NotifyFailed,
        );
      }
      if (status >= 300) throw refusal(shown, status);
      return { status };
    },
  };
}
