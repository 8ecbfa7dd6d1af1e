/**
 * What a run is about, in words: the one-line summary (the Temporal UI's summary, and the memo the
 * list shows) and the short markdown details the UI shows on the run's page. Names, URLs and paths
 * only: the request holds no secret values. What a person wrote (ticket, requester, approvers) is
 * quoted, so it shows as text, not as links or HTML.
 */
import { inline } from '../domain/markdownText';
import type { RequestLabels } from '../domain/request/submittedRequest';

/** A request that names only its cluster gets its endpoints from the profile on the worker: the count is the worker's to know. */
export function runSummaryLine(request: RequestLabels): string {
  const endpoints = request.cluster.endpoints;
  const added = request.newMembers.length;
  const names = request.newMembers.map((m) => m.name).join(', ');
  const size = endpoints
    ? `${endpoints.length} -> ${endpoints.length + added} members`
    : `+${added} member${added === 1 ? '' : 's'}`;
  return `${request.cluster.name}: ${size} (${names})${request.ticket ? `, ticket ${request.ticket.id}` : ''}`;
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

export function scaleInSummaryLine(
  request: RemovalLabels & { removeMembers: string[] },
): string {
  const n = request.cluster.endpoints?.length;
  const removed = request.removeMembers.length;
  const size =
    n !== undefined
      ? `${n} -> ${n - removed} members`
      : `-${removed} member${removed === 1 ? '' : 's'}`;
  return `${request.cluster.name}: ${size} (remove ${request.removeMembers.join(', ')})${ticketTail(request)}`;
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
