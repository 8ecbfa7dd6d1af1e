/**
 * The scale-in request: the cluster's settings (resolved over its profile exactly like a scale-out's)
 * and the members to remove, by their etcd names, in order. A ticket's request names the cluster, the
 * members and the ticket. Pure; every entry point refuses the same inputs with the same messages.
 */
import { z } from 'zod';
import { ControlPlaneSchema } from '../kubernetes/controlPlane';
import { NAME, NAME_RULE } from './patterns';
import {
  type ClusterSettings,
  type FieldError,
  type RequestRules,
  zodFieldErrors,
} from './request';
import {
  BackupSchema,
  ClusterSchema,
  InventorySchema,
  MAX_CLUSTER_SIZE,
  NodeSchema,
  NotifySchema,
  SshSchema,
  TicketSchema,
} from './requestParts';
import { StrategySchema } from './strategy';

export const RemoveMembersSchema = z
  .array(
    z.string('must be a member name').regex(NAME, `must be ${NAME_RULE}`),
    'must be a list of member names',
  )
  .min(1, 'must name at least one member to remove')
  .max(MAX_CLUSTER_SIZE - 1, `must name at most ${MAX_CLUSTER_SIZE - 1}`);

/** A request is a scale-in when it names members to remove (the CLI and the API dispatch on it). */
export const isScaleInRequest = (raw: unknown): boolean =>
  !!raw && typeof raw === 'object' && 'removeMembers' in raw;

export const ScaleInRequestSchema = z
  .object({
    cluster: ClusterSchema,
    removeMembers: RemoveMembersSchema,
    ssh: SshSchema,
    node: NodeSchema,
    strategy: StrategySchema.prefault({}),
    backup: BackupSchema,
    controlPlane: ControlPlaneSchema.optional(),
    inventory: InventorySchema,
    notify: NotifySchema.optional(),
    ticket: TicketSchema.optional(),
  })
  .strict()
  .superRefine((req, ctx) => {
    const schemes = new Set(
      req.cluster.endpoints.map((e) => e.slice(0, e.indexOf(':') + 1)),
    );
    if (schemes.size > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'endpoints'],
        message: 'must all use http or all use https, not a mix',
      });
    else if (req.cluster.tls && schemes.has('http:'))
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'tls'],
        message:
          'TLS files were given but the endpoints use http; use https endpoints or drop cluster.tls',
      });
  });

export type ScaleInRequest = ClusterSettings &
  z.output<typeof ScaleInRequestSchema>;

/** Validates a whole scale-in request (after profile resolution); never throws. */
export function validateScaleInRequest(
  raw: unknown,
  _rules?: RequestRules,
): { ok: true; request: ScaleInRequest } | { ok: false; errors: FieldError[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return {
      ok: false,
      errors: [{ field: '(request)', message: 'must be a JSON object' }],
    };
  const parsed = ScaleInRequestSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, errors: zodFieldErrors(parsed.error.issues) };
  return { ok: true, request: parsed.data };
}
