/**
 * Names derived from a run: its workflow ID (one run per ticket) and the file-system-safe form of it
 * used in snapshot file names and the env-file backup key on nodes.
 *
 * Both encodings are injective, so two runs never share an ID or a file: `_` is the escape character
 * (`__` is a literal `_`, `_` + two hex digits is any other byte), and the workflow ID separates
 * cluster and ticket with a lone `_`, which an encoded cluster name never contains.
 */
import type { RequestLabels } from '../request/submittedRequest';

/** Characters kept as they are: letters, digits, `.` and `-` (URL-safe, file-name-safe, never shell syntax). */
const KEPT = /[A-Za-z0-9.-]/;

function escaped(text: string): string {
  let out = '';
  for (const ch of text) {
    if (KEPT.test(ch)) out += ch;
    else if (ch === '_') out += '__';
    else
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `_${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Only characters that are safe in a file name on any node, and one-to-one: `_` escapes everything else. */
export const fileSafe = (text: string): string => escaped(text);

/**
 * One run per ticket: `scaleout-<cluster>_<ticket>`, each part escaped (`OPS/12` is `OPS_2f12`). A
 * request without a ticket gets `scaleout-<cluster>-<time in base 36>`, which has no lone `_`.
 */
export function workflowIdFor(
  request: Pick<RequestLabels, 'cluster' | 'ticket'>,
  now = Date.now(),
  kind: 'scaleout' | 'scalein' | 'replace' = 'scaleout',
): string {
  const cluster = escaped(request.cluster.name);
  return request.ticket
    ? `${kind}-${cluster}_${escaped(request.ticket.id)}`
    : `${kind}-${cluster}-${now.toString(36)}`;
}
