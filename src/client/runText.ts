/**
 * What a run is about, in words: the one-line summary (the Temporal UI's summary, and the memo the
 * list shows) and the short markdown details the UI shows on the run's page. Names, URLs and paths
 * only: the request holds no secret values. What a person wrote (ticket, requester, approvers) is
 * quoted, so it shows as text, not as links or HTML.
 */
import { inline } from '../domain/markdownText';
import type { RequestLabels } from '../domain/submittedRequest';

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
