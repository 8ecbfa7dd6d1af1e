/**
 * Bearer-token authentication and roles: every route except the public ones needs `Authorization:
 * Bearer <token>`, looked up among the API's tokens (./tokens.ts) in constant time; a route that
 * changes something names the role it needs (`{ config: needsRole('approver') }`). The token is
 * never logged or echoed.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors';
import { type ApiToken, type Identity, type Role, tokenDigest } from './tokens';

/** A route that needs no token (`{ config: PUBLIC_ROUTE }`). */
export const PUBLIC_ROUTE = { public: true };
/** A route that needs an identity with `role`. */
export const needsRole = (role: Role) => ({ role });

type RouteConfig = { public?: boolean; role?: Role } | undefined;

const identities = new WeakMap<FastifyRequest, Identity>();

/**
 * The identity of the token in `header`, or undefined. Every token is compared, each in constant
 * time over equal-length digests: neither the time nor the result depends on where a match is.
 */
function identityFor(
  tokens: readonly ApiToken[],
  header: string | undefined,
): Identity | undefined {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  const given = tokenDigest(m ? m[1] : '');
  let found: Identity | undefined;
  for (const t of tokens)
    if (timingSafeEqual(given, t.digest) && m !== null) found = t.identity;
  return found;
}

/** Who called: set for every authenticated request. */
export function identityOf(request: FastifyRequest): Identity {
  const identity = identities.get(request);
  if (!identity)
    throw new HttpError(
      401,
      'missing or wrong bearer token (Authorization: Bearer <token>)',
    );
  return identity;
}

export function requireBearerToken(
  app: FastifyInstance,
  tokens: readonly ApiToken[],
): void {
  if (!tokens.length)
    throw new Error('buildApi: at least one API token is required');
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config as RouteConfig;
    if (config?.public) return;
    const identity = identityFor(tokens, request.headers.authorization);
    if (!identity) {
      reply.header('www-authenticate', 'Bearer realm="etcd-scaleout"');
      throw new HttpError(
        401,
        'missing or wrong bearer token (Authorization: Bearer <token>)',
      );
    }
    if (config?.role && !identity.roles.includes(config.role)) {
      throw new HttpError(
        403,
        `${identity.name} does not have the ${config.role} role (roles: ${identity.roles.join(', ') || 'none'})`,
        { identity: identity.name, needs: config.role },
      );
    }
    identities.set(request, identity);
  });
}
