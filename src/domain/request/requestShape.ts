/**
 * The scale-out request's shape: its sections (requestParts.ts) composed into one strict object, and
 * the types every module names the request by. The cross-field checks (requestChecks.ts) and where
 * new members may be (newMemberPlaces.ts) are judged on this shape, and request.ts puts the three
 * together into the schema every entry point validates with. Kept apart from request.ts so those
 * checks name the request's types without importing the module that imports them.
 */
import { z } from 'zod';
import { ControlPlaneSchema } from '../kubernetes/controlPlane';
import {
  BackupSchema,
  ClusterSchema,
  InventorySchema,
  NewMembersSchema,
  NodeSchema,
  NotifySchema,
  SshSchema,
  TicketSchema,
} from './requestParts';
import { StrategySchema } from './strategy';

/** Every field well formed on its own; request.ts adds the checks across fields. */
export const ScaleOutRequestShape = z
  .object({
    cluster: ClusterSchema,
    newMembers: NewMembersSchema,
    ssh: SshSchema,
    node: NodeSchema,
    strategy: StrategySchema.prefault({}),
    backup: BackupSchema,
    /** The kube-apiservers told the new member list after the last member is verified; none: not told. */
    controlPlane: ControlPlaneSchema.optional(),
    inventory: InventorySchema,
    notify: NotifySchema.optional(),
    ticket: TicketSchema.optional(),
  })
  .strict();

export type ScaleOutRequestInput = z.input<typeof ScaleOutRequestShape>;
export type ScaleOutRequest = z.output<typeof ScaleOutRequestShape>;
export type NewMember = ScaleOutRequest['newMembers'][number];
/** What every workflow on a cluster uses beyond its members: the cluster, SSH, node paths, strategy, control plane, notify, ticket. */
export type ClusterSettings = Omit<ScaleOutRequest, 'newMembers'>;
