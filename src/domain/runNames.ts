/**
 * Names derived from a run: its workflow ID (one run per ticket) and the file-system-safe form of it
 * used in snapshot file names and the env-file backup key on nodes.
 */
import type { ScaleOutRequest } from './request';

/** Only characters that are safe in a file name on any node; everything else becomes `_`. */
export const fileSafe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '_');

/** One run per ticket: the workflow ID derives from cluster and ticket. */
export function workflowIdFor(request: ScaleOutRequest, now = Date.now()): string {
  return request.ticket ? `scaleout-${request.cluster.name}-${fileSafe(request.ticket.id)}` : `scaleout-${request.cluster.name}-${now.toString(36)}`;
}
