/**
 * The scale-out request: its schema, its defaults and its validation.
 *
 * Pure code: used by the workflow (validate phase), the CLI, the dry run and the HTTP API, so every
 * entry point refuses the same inputs with the same messages. Every message names its field.
 * Values that later reach a shell on a node (names, paths, hosts) are held to strict patterns
 * (patterns.ts, section by section in requestParts.ts); the node adapter quotes them as well
 * (defence in depth).
 */
import { type FieldError, formatErrors, zodFieldErrors } from './fieldErrors';
import { newMemberPlaceErrors } from './newMemberPlaces';
import { ABS_PATH, isIpAddress, NAME, TICKET } from './patterns';
import { checkRequest, ISSUED_CERT_DAYS } from './requestChecks';
import { MAX_CLUSTER_SIZE, MAX_VOTERS_BY_DEFAULT } from './requestParts';
import {
  type NewMember,
  type ScaleOutRequest,
  ScaleOutRequestShape,
} from './requestShape';
import { parseDuration } from './strategy';

export type { FieldError } from './fieldErrors';
export type {
  ClusterSettings,
  NewMember,
  ScaleOutRequest,
  ScaleOutRequestInput,
} from './requestShape';
export {
  ABS_PATH,
  formatErrors,
  ISSUED_CERT_DAYS,
  isIpAddress,
  MAX_CLUSTER_SIZE,
  MAX_VOTERS_BY_DEFAULT,
  NAME,
  parseDuration,
  TICKET,
  zodFieldErrors,
};

/** The request's shape (requestShape.ts) with its cross-field checks (requestChecks.ts). */
export const ScaleOutRequestSchema = ScaleOutRequestShape.superRefine(
  (req, ctx) => checkRequest(req, ctx),
);

/** The schema of a replacement's new member that may take the replaced member's own address (requestChecks.ts). */
const replacingSchema = (replacing: string) =>
  ScaleOutRequestShape.superRefine((req, ctx) =>
    checkRequest(req, ctx, replacing),
  );

/**
 * Where certificates are signed with strategy.certificates "issue". Kubespray keeps the CA key on its
 * first etcd host, so the defaults are the first endpoint's host and Kubespray's key path.
 * Left out of the schema's output so cluster.tls keeps its shape for the etcd client.
 */
export function certificateAuthority(
  request: ScaleOutRequest,
): { host: string; keyFile: string } | undefined {
  const tls = request.cluster.tls;
  if (!tls) return undefined;
  return {
    host: tls.caHost ?? new URL(request.cluster.endpoints[0]).hostname,
    keyFile: tls.caKeyFile ?? '/etc/ssl/etcd/ssl/ca-key.pem',
  };
}

/** The URLs etcd binds to: the advertised ones, on listenAddress when one is given. */
export function listenURLs(
  member: Pick<NewMember, 'peerURL' | 'clientURL' | 'listenAddress'>,
): { peer: string; client: string } {
  const on = (url: string) => {
    if (!member.listenAddress) return url;
    const u = new URL(url);
    return `${u.protocol}//${member.listenAddress}:${u.port}`;
  };
  return { peer: on(member.peerURL), client: on(member.clientURL) };
}

export type Validation =
  | { ok: true; request: ScaleOutRequest }
  | { ok: false; errors: FieldError[] };

/**
 * Rules a workflow replaying a run started before them must not apply (validate.ts asks `patched`);
 * every entry point applies all of them.
 */
export interface RequestRules {
  /** Where new members may be (newMemberPlaces.ts). */
  newMemberPlaces: boolean;
  /**
   * A replacement's new member may be the replaced member rebuilt: its name, on its own endpoint
   * (requestChecks.ts). Absent: applied (every entry point); false: a run started before it.
   */
  replaceAtOwnAddress?: boolean;
  /** Set by the replacement's validator (replaceRequest.ts), never a replay rule: the member replaced. */
  replacing?: string;
}
export const CURRENT_RULES: RequestRules = { newMemberPlaces: true };

/** Validates a raw request (any JSON value); never throws. */
export function validateRequest(
  raw: unknown,
  rules: RequestRules = CURRENT_RULES,
): Validation {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      errors: [{ field: '(request)', message: 'must be a JSON object' }],
    };
  }
  const schema =
    rules.replacing !== undefined && rules.replaceAtOwnAddress !== false
      ? replacingSchema(rules.replacing)
      : ScaleOutRequestSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, errors: zodFieldErrors(parsed.error.issues) };
  const places = rules.newMemberPlaces ? newMemberPlaceErrors(parsed.data) : [];
  if (places.length) return { ok: false, errors: places };
  return { ok: true, request: parsed.data };
}
