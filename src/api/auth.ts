/**
 * Bearer-token authentication: every route except the public ones needs `Authorization: Bearer
 * <token>`, compared in constant time. The token is never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors';

/** A route that needs no token (`{ config: PUBLIC_ROUTE }`). */
export const PUBLIC_ROUTE = { public: true };

/** Constant-time token check: both sides are hashed first, so lengths never differ or leak. */
function tokenMatches(expectedDigest: Buffer, header: string | undefined): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  const given = createHash('sha256')
    .update(m ? m[1] : '')
    .digest();
  // Evaluate both parts every time: no early exit that depends on the header.
  const equal = timingSafeEqual(given, expectedDigest);
  return equal && m !== null;
}

export function requireBearerToken(app: FastifyInstance, token: string): void {
  if (typeof token !== 'string' || token.trim() === '') throw new Error('buildApi: an API token is required');
  const digest = createHash('sha256').update(token).digest();
  app.addHook('onRequest', async (request, reply) => {
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    if (!tokenMatches(digest, request.headers.authorization)) {
      reply.header('www-authenticate', 'Bearer realm="etcd-scaleout"');
      throw new HttpError(401, 'missing or wrong bearer token (Authorization: Bearer <token>)');
    }
  });
}

/** The token from API_TOKEN_FILE (preferred) or API_TOKEN. The error never contains the token. */
export function readApiToken(env: NodeJS.ProcessEnv = process.env): string {
  if (env.API_TOKEN_FILE) {
    let text: string;
    try {
      text = readFileSync(env.API_TOKEN_FILE, 'utf8');
    } catch (err) {
      throw new Error(`cannot read API_TOKEN_FILE ${env.API_TOKEN_FILE}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const token = text.trim();
    if (!token) throw new Error(`API_TOKEN_FILE ${env.API_TOKEN_FILE} is empty`);
    return token;
  }
  if (env.API_TOKEN?.trim()) return env.API_TOKEN.trim();
  throw new Error('no API token: set API_TOKEN_FILE (a file holding the token) or API_TOKEN');
}
