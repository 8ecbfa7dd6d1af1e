/**
 * What an entry point (the CLI, the HTTP API, the client library) checks before it starts a run.
 *
 * A request either carries its cluster's connection settings (`cluster.endpoints` or `ssh`): an inline
 * request, validated whole as the workflow would; or it names its cluster and leaves those to the
 * cluster's profile on the worker (a ticket's request: cluster.name, newMembers, ticket). Then each
 * field it gives is held to the request's own rules here, and the workflow's validate phase, which
 * reads the profile and the worker's inline setting (profileResolution.ts), decides the rest.
 */
import { z } from 'zod';
import {
  CURRENT_RULES,
  type FieldError,
  type RequestRules,
  type ScaleOutRequest,
  validateRequest,
  zodFieldErrors,
} from './request';
import {
  BackupSchema,
  ClusterNameSchema,
  NewMemberNetworksSchema,
  NewMembersSchema,
  NodeSchema,
  NotifySchema,
  TicketSchema,
  TlsSchema,
} from './requestParts';
import { StrategySchema } from './strategy';

const ProfileRequestSchema = z
  .object({
    cluster: z
      .object({
        name: ClusterNameSchema,
        tls: TlsSchema.optional(),
        newMemberNetworks: NewMemberNetworksSchema.optional(),
      })
      .strict(),
    newMembers: NewMembersSchema,
    node: NodeSchema.optional(),
    backup: BackupSchema.optional(),
    strategy: StrategySchema.optional(),
    notify: NotifySchema.optional(),
    ticket: TicketSchema.optional(),
  })
  .strict();

/** A request that leaves the cluster's settings to its profile on the worker. */
export type ProfileRequest = z.output<typeof ProfileRequestSchema>;

/** What an entry point knows of a request before the worker resolves it. */
export type SubmittedRequest =
  | { kind: 'inline'; request: ScaleOutRequest }
  | { kind: 'profile'; request: ProfileRequest };

export type SubmittedValidation =
  | ({ ok: true } & SubmittedRequest)
  | { ok: false; errors: FieldError[] };

/** True when the request carries its cluster's connection settings itself. */
export function isInlineRequest(raw: Record<string, unknown>): boolean {
  const cluster = raw.cluster as Record<string, unknown> | undefined;
  return (
    raw.ssh !== undefined ||
    typeof cluster !== 'object' ||
    cluster === null ||
    cluster.endpoints !== undefined
  );
}

/**
 * Any workflow type's request as submitted (any JSON value); never throws. Inline: validated whole by
 * `whole`, as the workflow would; over a profile: held to `profileSchema`, the fields a ticket may give.
 */
export function validateSubmitted<Inline, Profile>(
  raw: unknown,
  whole: (
    raw: unknown,
  ) => { ok: true; request: Inline } | { ok: false; errors: FieldError[] },
  profileSchema: z.ZodType<Profile>,
):
  | { ok: true; kind: 'inline'; request: Inline }
  | { ok: true; kind: 'profile'; request: Profile }
  | { ok: false; errors: FieldError[] } {
  if (
    raw === null ||
    typeof raw !== 'object' ||
    Array.isArray(raw) ||
    isInlineRequest(raw as Record<string, unknown>)
  ) {
    const v = whole(raw);
    return v.ok ? { ok: true, kind: 'inline', request: v.request } : v;
  }
  const parsed = profileSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, kind: 'profile', request: parsed.data }
    : { ok: false, errors: zodFieldErrors(parsed.error.issues) };
}

/** Validates a scale-out request as submitted (any JSON value); never throws. */
export function validateSubmittedRequest(
  raw: unknown,
  rules: RequestRules = CURRENT_RULES,
): SubmittedValidation {
  return validateSubmitted(
    raw,
    (r) => validateRequest(r, rules),
    ProfileRequestSchema,
  );
}

/** What every request says, whichever way it was submitted: for the run's name, summary and labels. */
export interface RequestLabels {
  cluster: { name: string; endpoints?: string[] };
  newMembers: ScaleOutRequest['newMembers'];
  ticket?: ScaleOutRequest['ticket'];
  strategy?: Partial<ScaleOutRequest['strategy']>;
}
