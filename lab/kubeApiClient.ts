/**
 * The lab's HTTPS client of one kube-apiserver: `/readyz?verbose` (anonymous, as kubeadm's probes and the
 * rollout ask it) and a write (a ConfigMap, with a client certificate). A fresh connection each time, so a
 * restarted apiserver is seen as what it is now.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { KubeClientFiles } from './kubePki';

export interface KubeResponse {
  status: number;
  body: string;
}

export interface Readyz {
  ok: boolean;
  /** The HTTP status, or 0 when nothing answered (refused, reset, timed out). */
  status: number;
  /** The verbose body (one `[+]`/`[-]` line per check), or the connection error. */
  body: string;
}

export function kubeRequest(
  url: string,
  options: {
    caFile: string;
    client?: KubeClientFiles;
    method?: string;
    body?: unknown;
    timeoutMs?: number;
  },
): Promise<KubeResponse> {
  const payload =
    options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: readFileSync(options.caFile),
        cert: options.client && readFileSync(options.client.certFile),
        key: options.client && readFileSync(options.client.keyFile),
        agent: false,
        timeout: options.timeoutMs ?? 2_000,
        headers: payload
          ? {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            }
          : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer from ${url} in time`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** GET `<base>/readyz?verbose` anonymously; never throws. */
export async function readyz(
  base: string,
  caFile: string,
  timeoutMs = 2_000,
): Promise<Readyz> {
  try {
    const r = await kubeRequest(`${base}/readyz?verbose`, {
      caFile,
      timeoutMs,
    });
    return { ok: r.status === 200, status: r.status, body: r.body };
  } catch (err) {
    return { ok: false, status: 0, body: (err as Error).message };
  }
}

/** Creates a ConfigMap `name` in `default` through the apiserver at `base`; throws unless it was created. */
export async function writeConfigMap(
  base: string,
  client: KubeClientFiles,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  const r = await kubeRequest(`${base}/api/v1/namespaces/default/configmaps`, {
    caFile: client.caFile,
    client,
    method: 'POST',
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data },
    timeoutMs: 10_000,
  });
  if (r.status !== 201)
    throw new Error(
      `writing ConfigMap ${name} through ${base}: HTTP ${r.status} ${r.body.slice(0, 300)}`,
    );
}
