/**
 * Who may call the API: bearer tokens mapped to named identities with roles. Read on the API's host
 * from API_TOKENS_FILE, one token a line:
 *
 *   # sha256 hex of the token                                        identity  roles
 *   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 alice     requester
 *   60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 bob       approver,requester
 *
 * (`printf %s "$TOKEN" | sha256sum` gives the first column.) The file holds digests only, so reading
 * it leaks no token. `requester` may start scale-outs; `approver` may approve or reject; any
 * identity may read and cancel. The older single token (API_TOKEN_FILE, or API_TOKEN) still works:
 * it is one identity, named by API_TOKEN_IDENTITY (default `api`), with both roles.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const ROLES = ['requester', 'approver'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  name: string;
  roles: readonly Role[];
}

/** A token as the server keeps it: its SHA-256 digest, never the token itself. */
export interface ApiToken {
  digest: Buffer;
  identity: Identity;
}

/** Identities are written into decisions (`by`) and logs: a plain name, like an approver's. */
const IDENTITY = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
const DEFAULT_LEGACY_IDENTITY = 'api';

export const tokenDigest = (token: string): Buffer =>
  createHash('sha256').update(token).digest();

/** The one token of the older set-up: one identity with both roles. */
export function singleToken(
  token: string,
  name = DEFAULT_LEGACY_IDENTITY,
): ApiToken {
  if (typeof token !== 'string' || token.trim() === '')
    throw new Error('an API token is required');
  if (!IDENTITY.test(name))
    throw new Error(
      `API_TOKEN_IDENTITY must be a name of letters, digits and ._@+- (at most 128), got ${JSON.stringify(name)}`,
    );
  return { digest: tokenDigest(token), identity: { name, roles: ROLES } };
}

/** Parses a tokens file's text; errors name the file and line, never the line's content. */
export function parseTokensFile(text: string, file: string): ApiToken[] {
  const tokens: ApiToken[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const where = `${file} line ${i + 1}`;
    const [hex, name, roles, ...rest] = line.split(/\s+/);
    if (rest.length || !roles)
      throw new Error(
        `${where}: expected "<sha256 hex of the token> <identity> <roles>"`,
      );
    if (!/^[0-9a-f]{64}$/i.test(hex))
      throw new Error(
        `${where}: the first column must be the token's SHA-256 digest in hex (64 characters)`,
      );
    if (!IDENTITY.test(name))
      throw new Error(
        `${where}: the identity must be a name of letters, digits and ._@+- (at most 128)`,
      );
    const list = roles.split(',');
    const unknown = list.filter(
      (r) => !(ROLES as readonly string[]).includes(r),
    );
    if (unknown.length)
      throw new Error(
        `${where}: unknown role(s) ${unknown.join(', ')} (roles: ${ROLES.join(', ')})`,
      );
    if (seen.has(hex.toLowerCase()))
      throw new Error(`${where}: the same token is listed twice`);
    seen.add(hex.toLowerCase());
    tokens.push({
      digest: Buffer.from(hex, 'hex'),
      identity: { name, roles: [...new Set(list as Role[])] },
    });
  }
  if (!tokens.length) throw new Error(`${file} lists no token`);
  return tokens;
}

function readText(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read ${variable} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** The API's tokens: API_TOKENS_FILE, else the single API_TOKEN_FILE or API_TOKEN. Errors never contain a token. */
export function readApiTokens(
  env: NodeJS.ProcessEnv = process.env,
): ApiToken[] {
  if (env.API_TOKENS_FILE)
    return parseTokensFile(
      readText('API_TOKENS_FILE', env.API_TOKENS_FILE),
      env.API_TOKENS_FILE,
    );
  const name = env.API_TOKEN_IDENTITY || DEFAULT_LEGACY_IDENTITY;
  if (env.API_TOKEN_FILE) {
    const token = readText('API_TOKEN_FILE', env.API_TOKEN_FILE).trim();
    if (!token)
      throw new Error(`API_TOKEN_FILE ${env.API_TOKEN_FILE} is empty`);
    return [singleToken(token, name)];
  }
  if (env.API_TOKEN?.trim()) return [singleToken(env.API_TOKEN.trim(), name)];
  throw new Error(
    'no API token: set API_TOKEN_FILE (a file holding the token) or API_TOKEN, or API_TOKENS_FILE (token digests with identities and roles)',
  );
}
