/**
 * The request body's schema, derived from the same zod schema every entry point validates with
 * (`z.toJSONSchema`, input side: what a client sends, before defaults and normalisation), with one
 * API-specific tightening: `ticket.id` is required, since the API derives the run's workflow id
 * from cluster and ticket; and one loosening: the cluster's connection settings may be left to its
 * profile on the worker (domain/request/submittedRequest.ts), so `cluster.endpoints` and `ssh` are optional.
 */
import { z } from 'zod';
import { ReplaceMemberSchema } from '../../domain/request/replaceRequest';
import { ScaleOutRequestSchema } from '../../domain/request/request';
import { ScaleInRequestSchema } from '../../domain/request/scaleInRequest';
import type { Json } from './parts';

/**
 * A request schema as JSON Schema 2020-12 (the dialect OpenAPI 3.1 uses), with ticket.id required
 * and the cluster's connection settings (cluster.endpoints, ssh) left to its profile.
 */
function apiRequestSchema(zodSchema: z.ZodType): Json {
  const schema = z.toJSONSchema(zodSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as Json;
  delete schema.$schema;
  const props = schema.properties as Record<string, Json>;
  const fromProfile = (required: unknown, fields: string[]) =>
    ((required as string[]) ?? []).filter((f) => !fields.includes(f));
  schema.required = [
    ...new Set([...fromProfile(schema.required, ['ssh']), 'ticket']),
  ];
  props.cluster.required = fromProfile(props.cluster.required, ['endpoints']);
  const ticket = props.ticket;
  ticket.required = [
    ...new Set([...((ticket.required as string[]) ?? []), 'id']),
  ];
  ticket.description =
    'Required by the API: one run per (cluster, ticket); the workflow id is derived from both, so repeating a request is idempotent.';
  return schema;
}

/** The scale-in's body (POST /v1/scaleins): the cluster, the members to remove by name, the ticket. */
export function scaleInRequestJsonSchema(): Json {
  const schema = apiRequestSchema(ScaleInRequestSchema);
  const props = schema.properties as Record<string, Json>;
  props.removeMembers.description =
    "The members to remove, by their etcd names (matched exactly, never by prefix or address), one at a time: each first out of every kube-apiserver's --etcd-servers, leadership moved away if it leads, `member remove` by its ID, its service stopped and data dir moved aside.";
  schema.description =
    "A scale-in request. A ticket's request names the cluster (cluster.name), the members to remove and the ticket; everything else comes from the cluster's profile on the worker, as for a scale-out. Refused in preflight with the numbers: a target below one member, an even target unless strategy.allowEvenSize, and a removal that would lose quorum with the unhealthy members counted.";
  return schema;
}

/** The replacement's body (POST /v1/replacements): a scale-out request of exactly one new member plus replaceMember. */
export function replaceRequestJsonSchema(): Json {
  const schema = apiRequestSchema(
    ScaleOutRequestSchema.safeExtend({ replaceMember: ReplaceMemberSchema }),
  );
  const props = schema.properties as Record<string, Json>;
  props.replaceMember.description =
    'The etcd name of the member to replace, resolved to its ID and peer URL by etcd in preflight (never by a prefix or an address).';
  props.newMembers.maxItems = 1;
  props.newMembers.description =
    "Exactly one member: the replacement. It needs a host, name and URLs of its own unless the member it replaces is down. A down member's machine rebuilt with its address (same name, peer and client URL, empty disk) may be named for itself: it is removed, then added again at its own address, and the apiservers' --etcd-servers (the same list) are not touched. A healthy member cannot be replaced by itself.";
  schema.required = [
    ...new Set([...(schema.required as string[]), 'replaceMember']),
  ];
  schema.description =
    'A replacement request. Preflight decides the path and the plan shows it: a member that is down or unhealthy is taken out of every apiserver list and removed first, then the new member joins (learner, catch up, promote, verify) and goes into the lists; a healthy one (a hardware refresh) stays until the new member has joined, then is swapped out of the lists and removed. The removal of the old member is the point of no return: before it everything is undone, after it the run only goes forward.';
  return schema;
}

/** The scale-out's body (POST /v1/scaleouts). */
export function scaleOutRequestJsonSchema(): Json {
  const schema = apiRequestSchema(ScaleOutRequestSchema);
  const props = schema.properties as Record<string, Json>;
  props.cluster.description =
    'The existing cluster: its name (also the EtcdCluster search attribute and the name of its profile on the worker) and, unless its profile gives them, client URLs of existing members.';
  props.newMembers.description =
    'The members to add, in order; they join strictly one at a time (canary first).';
  props.ssh.description =
    "How the worker reaches the new nodes, unless the cluster's profile on the worker says. Key and known_hosts are paths on the worker, never key material.";
  props.notify.description =
    'Optional webhook called when the run ends: a POST with headers X-EtcdScaleout-Timestamp (unix seconds) and X-EtcdScaleout-Signature (sha256=<hex of HMAC-SHA256 over "<timestamp>.<body>">, secret from secretFile, a path on the worker). Receivers refuse stale timestamps (e.g. older than 5 minutes) and deduplicate by the body\'s runId. Redirects are not followed; a 4xx answer other than 408/429 is not retried. Logs and the audit show the URL as scheme://host:port/…. ' +
    "Where the outcome goes is the operator's: notify is a section of the cluster's profile, and a worker that refuses inline settings refuses it in a request. " +
    'A loopback, link-local (169.254/16, fe80::/10), private (10/8, 172.16/12, 192.168/16, fc00::/7), shared (100.64/10), 0.0.0.0/8 or unspecified target is refused (400 naming notify.webhookUrl; a name is checked once resolved, and the worker connects to the address it checked) unless allowPrivateTargets is true. ' +
    'secretFile must be a regular file of at most 4 KiB on the worker.';
  schema.description =
    "A scale-out request. A ticket's request names the cluster (cluster.name), the new members and the ticket: everything else (cluster.endpoints, cluster.tls, ssh, node, backup, every strategy setting, notify) comes from the cluster's profile on the worker or its default, and a worker that refuses inline settings (ETCD_SCALEOUT_INLINE_SETTINGS=deny, its default) refuses a request that sets any of it (InlineSettingRefused, naming each field) or names a cluster without a profile (ProfileMissing)." +
    ' Cross-field rules (URL hosts match the member host, no duplicates, one scheme, canary <= members) are checked by the server and reported like the field rules.';
  return schema;
}
