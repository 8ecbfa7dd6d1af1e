/**
 * What an entry point (the CLI, the HTTP API, the client library) checks of a scale-in request before
 * it starts a run, the way submittedRequest.ts does for a scale-out: a request that carries its
 * cluster's connection settings (`cluster.endpoints` or `ssh`) is validated whole, as the workflow
 * would; one that names its cluster (cluster.name, removeMembers, ticket) leaves those to the
 * cluster's profile on the worker, and each field it gives is held to the request's own rules here.
 * Pure; never throws.
 */
import { z } from 'zod';
import type { FieldError } from './request';
import {
  BackupSchema,
  ClusterNameSchema,
  NodeSchema,
  NotifySchema,
  TicketSchema,
  TlsSchema,
} from './requestParts';
import {
  RemoveMembersSchema,
  type ScaleInRequest,
  validateScaleInRequest,
} from './scaleInRequest';
import { StrategySchema } from './strategy';
import { validateSubmitted } from './submittedRequest';

const ProfileScaleInSchema = z
  .object({
    cluster: z
      .object({ name: ClusterNameSchema, tls: TlsSchema.optional() })
      .strict(),
    removeMembers: RemoveMembersSchema,
    node: NodeSchema.optional(),
    backup: BackupSchema.optional(),
    strategy: StrategySchema.optional(),
    notify: NotifySchema.optional(),
    ticket: TicketSchema.optional(),
  })
  .strict();

/** A scale-in request that leaves the cluster's settings to its profile on the worker. */
export type ProfileScaleIn = z.output<typeof ProfileScaleInSchema>;

export type SubmittedScaleIn =
  | { ok: true; kind: 'inline'; request: ScaleInRequest }
  | { ok: true; kind: 'profile'; request: ProfileScaleIn }
  | { ok: false; errors: FieldError[] };

/** Validates a scale-in request as submitted (any JSON value). */
export function validateSubmittedScaleIn(raw: unknown): SubmittedScaleIn {
  return validateSubmitted(raw, validateScaleInRequest, ProfileScaleInSchema);
}
