/**
 * A webhook URL as logs, errors and the audit show it: scheme, host and port only. The request
 * schema already refuses credentials, queries and token-like path segments, but a path can still be
 * a capability (`/hooks/team-a/secret-name`); it is shown as `/…`.
 */
export function shownWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' || u.pathname === '' ? '/' : '/…'}`;
  } catch {
    return '(not a URL)';
  }
}
