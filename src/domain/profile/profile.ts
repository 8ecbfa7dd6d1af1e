/**
 * A cluster profile: what the operator fixes for one cluster, kept on the worker's side (one file per
 * cluster, `<profiles dir>/<cluster>.json`): how the worker reaches the cluster (endpoints, TLS files)
 * and its nodes (SSH user, key and known_hosts files), the nodes' paths and unit, the backup folder,
 * where the outcome is sent (notify), and strategy settings such as the approvers. A request from a
 * ticket then names the cluster, the new members and the ticket only (profileResolution.ts).
 *
 * Every value is held to the request's own rules (requestParts.ts): a profile cannot name a path or a
 * unit a request could not. Files are named by path only; no secret is in a profile.
 */
import { z } from 'zod';
import { ControlPlaneSchema } from '../kubernetes/controlPlane';
import { type FieldError, zodFieldErrors } from '../request/request';
import {
  BackupSchema,
  ClusterSchema,
  InventorySchema,
  NodeSchema,
  NotifySchema,
  SshSchema,
} from '../request/requestParts';
import { StrategySchema } from '../request/strategy';

export const ClusterProfileSchema = z
  .object({
    cluster: ClusterSchema,
    ssh: SshSchema,
    node: NodeSchema.optional(),
    backup: BackupSchema.optional(),
    /** The control-plane nodes whose kube-apiservers are told the new members (controlPlane.ts). */
    controlPlane: ControlPlaneSchema.optional(),
    /** Where the outcome is sent, and the secret it is signed with: the operator's, never a ticket's. */
    notify: NotifySchema.optional(),
    /** The form of the cluster's inventory (from-kubespray records it): the inventory change is named in it. */
    inventory: InventorySchema.optional(),
    /** Strategy settings the profile fixes (approvers, approval, ...); the others keep their defaults (profileResolution.ts). */
    strategy: StrategySchema.optional(),
  })
  .strict();

/** A profile as written (before defaults): what is merged under a request and recorded in the history. */
export type ClusterProfile = z.input<typeof ClusterProfileSchema>;

/** The profile file of a cluster, in the profiles folder. */
export const profileFileName = (cluster: string): string => `${cluster}.json`;

export type ProfileValidation =
  | { ok: true; profile: ClusterProfile }
  | { ok: false; errors: FieldError[] };

/**
 * Validates a profile read from the file of cluster `cluster` (any JSON value); never throws. The
 * profile must name the cluster its file is named after, so a copied file cannot aim a ticket for one
 * cluster at another.
 */
export function validateProfile(
  raw: unknown,
  cluster: string,
): ProfileValidation {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return {
      ok: false,
      errors: [{ field: '(profile)', message: 'must be a JSON object' }],
    };
  const parsed = ClusterProfileSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, errors: zodFieldErrors(parsed.error.issues) };
  if (parsed.data.cluster.name !== cluster)
    return {
      ok: false,
      errors: [
        {
          field: 'cluster.name',
          message: `is ${JSON.stringify(parsed.data.cluster.name)}, but the file is the profile of cluster ${JSON.stringify(cluster)} (${profileFileName(cluster)})`,
        },
      ],
    };
  // The profile as written: defaults are applied once, to the merged request.
  return { ok: true, profile: raw as ClusterProfile };
}
