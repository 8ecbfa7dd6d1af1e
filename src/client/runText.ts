/**
 * What a run is about, in words: the one-line summary (the Temporal UI's summary, and the memo the
 * list shows) and the short markdown details the UI shows on the run's page. Names, URLs and paths
 * only: the request holds no secret values. What a person wrote (ticket, requester, approvers) is
 * quoted, so it shows as text, not as links or HTML.
 */
import { inline } from '../domain/markdownText';
import type { ScaleOutRequest } from '../domain/request';

export function runSummaryLine(request: ScaleOutRequest): string {
  const from = request.cluster.endpoints.length;
  const to = from + request.newMembers.length;
  const names = request.newMembers.map((m) => m.name).join(', ');
  return `${request.cluster.name}: ${from} -> ${to} members (${names})${request.ticket ? `, ticket ${request.ticket.id}` : ''}`;
}

export function runDetailsMarkdown(request: ScaleOutRequest): string {
  const s = request.strategy;
  const lines = [
    `**Cluster** ${request.cluster.name}`,
    '',
    `**Endpoints** ${request.cluster.endpoints.join(', ')}`,
    '',
    '**New members**',
    '',
    ...request.newMembers.map(
      (m) =>
        `- ${m.name} on ${m.host}: peer ${m.peerURL}, client ${m.clientURL}`,
    ),
    '',
    `**Strategy** canary ${s.canary}, rollback ${s.rollback}, stale data dir ${s.staleDataDir}, approval ${s.approval}${s.approvers?.length ? ` (approvers: ${s.approvers.map(inline).join(', ')})` : ''}`,
    '',
    `**Ticket** ${request.ticket ? inline(request.ticket.id) : '(none)'}`,
    '',
    `**Requested by** ${request.ticket?.requestedBy ? inline(request.ticket.requestedBy) : '(not given)'}`,
  ];
  return lines.join('\n');
}
