/**
 * What a run is about, in words: the one-line summary (the Temporal UI's summary, and the memo the
 * list shows) and the short markdown details the UI shows on the run's page. Names, URLs and paths
 * only: the request holds no secret values. What a person wrote (ticket, requester, approvers) is
 * quoted, so it shows as text, not as links or HTML.
 */
import { inline } from '../domain/markdownText';
import type { RequestLabels } from '../domain/request/submittedRequest';

/**
 * Names only what the request knows. A size ("3 -> 5 members") would come from cluster.endpoints, which
 * need list only some of the members (etcd may have members the profile does not name,
 * memberOrder.ts) or be left to the profile on the worker: the live count is the run's to find.
 */
export function runSummaryLine(request: RequestLabels): string {
  const names = request.newMembers.map((m) => m.name).join(', ');
  return `${request.cluster.name}: add ${names}${request.ticket ? `, ticket ${request.ticket.id}` : ''}`;
}

export function runDetailsMarkdown(request: RequestLabels): string {
  const s = request.strategy;
  const lines = [
    `**Cluster** ${request.cluster.name}`,
    '',
    `**Endpoints** ${request.cluster.endpoints?.join(', ') ?? "from the cluster's profile on the worker"}`,
    '',
    '**New members**',
    '',
    ...request.newMembers.map(
      (m) =>
        `- ${m.name} on ${m.host}: peer ${m.peerURL}, client ${m.clientURL}`,
    ),
    '',
    s
      ? `**Strategy** canary ${s.canary}, rollback ${s.rollback}, stale data dir ${s.staleDataDir}, approval ${s.approval}${s.approvers?.length ? ` (approvers: ${s.approvers.map(inline).join(', ')})` : ''}`
      : "**Strategy** the cluster's profile on the worker, else the defaults",
    '',
    `**Ticket** ${request.ticket ? inline(request.ticket.id) : '(none)'}`,
    '',
    `**Requested by** ${request.ticket?.requestedBy ? inline(request.ticket.requestedBy) : '(not given)'}`,
  ];
  return lines.join('\n');
}

/** What a scale-in or a replacement says besides its cluster and ticket. */
interface RemovalLabels {
  cluster: { name: string; endpoints?: string[] };
  ticket?: RequestLabels['ticket'];
}

const ticketTail = (r: RemovalLabels) =>
  r.ticket ? `, ticket ${r.ticket.id}` : '';

/** Names only what the request knows, like runSummaryLine: the members to remove, not a size. */
export function scaleInSummaryLine(
  request: RemovalLabels & { removeMembers: string[] },
): string {
  return `${request.cluster.name}: remove ${request.removeMembers.join(', ')}${ticketTail(request)}`;
}

export function scaleInDetailsMarkdown(
  request: RemovalLabels & { removeMembers: string[] },
): string {
  return [
    `**Cluster** ${request.cluster.name}`,
    '',
    `**Endpoints** ${request.cluster.endpoints?.join(', ') ?? "from the cluster's profile on the worker"}`,
    '',
    `**Members to remove**, one at a time: ${request.removeMembers.join(', ')}`,
    '',
    `**Ticket** ${request.ticket ? inline(request.ticket.id) : '(none)'}`,
    '',
    `**Requested by** ${request.ticket?.requestedBy ? inline(request.ticket.requestedBy) : '(not given)'}`,
  ].join('\n');
}

export function replaceSummaryLine(
  request: RequestLabels & { replaceMember: string },
): string {
  const m = request.newMembers[0];
  return `${request.cluster.name}: replace ${request.replaceMember} by ${m ? `${m.name} (${m.host})` : '?'}${ticketTail(request)}`;
}

export function replaceDetailsMarkdown(
  request: RequestLabels & { replaceMember: string },
): string {
  return [
    `**Replaces** ${request.replaceMember} (resolved to its ID and peer URL by etcd in preflight)`,
    '',
    runDetailsMarkdown(request).replace('**New members**', '**New member**'),
  ].join('\n');
}
