/**
 * Asking a kube-apiserver whether it is ready: `GET /readyz?verbose` over https, trusted with the
 * cluster CA and (when given) a client certificate, files read on the worker when used (never in the
 * input or an error). Ready means 200 and the verbose answer's `[+]etcd ok`: the apiserver reaches
 * etcd through its --etcd-servers, which is the point of the rollout.
 */
import { request } from 'node:https';
import { readCredential } from '../credentials';

export interface ReadyzTarget {
  readyzURL: string;
  tls: { caFile: string; certFile?: string; keyFile?: string };
}

export type Readiness = { ready: true } | { ready: false; why: string };

const TIMEOUT_MS = 5_000;
const BODY_LIMIT = 64 * 1024;

/** The verbose answer's failing checks (`[-]etcd failed: ...`), for the operator. */
const failedChecks = (body: string): string =>
  body
    .split('\n')
    .filter((l) => l.startsWith('[-]'))
    .map((l) => l.slice(3).trim())
    .slice(0, 5)
    .join('; ');

export async function askReadyz(t: ReadyzTarget): Promise<Readiness> {
  const [ca, cert, key] = await Promise.all([
    readCredential('controlPlane.nodes[].tls.caFile', t.tls.caFile),
    t.tls.certFile
      ? readCredential('controlPlane.nodes[].tls.certFile', t.tls.certFile)
      : undefined,
    t.tls.keyFile
      ? readCredential('controlPlane.nodes[].tls.keyFile', t.tls.keyFile)
      : undefined,
  ]);
  return new Promise<Readiness>((resolve) => {
    const req = request(
      `${t.readyzURL}?verbose`,
      { ca, cert, key, timeout: TIMEOUT_MS, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < BODY_LIMIT) body += chunk;
        });
        res.on('end', () => {
          if (res.statusCode !== 200)
            resolve({
              ready: false,
              why: `/readyz answered ${res.statusCode}${failedChecks(body) ? `: ${failedChecks(body)}` : ''}`,
            });
          else if (!/^\[\+\]etcd ok/m.test(body))
            resolve({
              ready: false,
              why: '/readyz answered 200 without "[+]etcd ok"',
            });
          else resolve({ ready: true });
        });
        res.on('error', (err) =>
          resolve({ ready: false, why: `/readyz: ${err.message}` }),
        );
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)),
    );
    req.on('error', (err) =>
      resolve({
        ready: false,
        why: `/readyz: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
      }),
    );
    req.end();
  });
}
