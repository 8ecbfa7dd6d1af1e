/**
 * A human decision at the approval gate, and the one check every entry point applies to it: the
 * workflow's update validator and signal handlers, the API's body check and the audit report.
 */

import { DECEPTIVE_CHARS, DECEPTIVE_TEXT_RULE } from '../request/patterns';

export interface Decision {
  approve: boolean;
  by: string;
  reason?: string;
}

export const MAX_DECIDER_LENGTH = 128;
export const MAX_REASON_LENGTH = 2000;

/**
 * What is wrong with a decision, or undefined. `approvers` is the run's `strategy.approvers`;
 * `requester` is given under four eyes (`strategy.fourEyes`): the run's `ticket.requestedBy`, who
 * may not decide their own run. The phase check (is a decision awaited now?) belongs to the
 * workflow, which alone knows its phase.
 */
export function decisionProblem(
  d: unknown,
  approvers?: readonly string[],
  requester?: string,
): string | undefined {
  if (!d || typeof d !== 'object')
    return 'a decision is { approve: boolean, by: string, reason?: string }';
  const { approve, by, reason } = d as Record<string, unknown>;
  if (approve !== undefined && typeof approve !== 'boolean')
    return 'approve: must be true or false';
  if (typeof by !== 'string' || !by.trim()) return 'by: must name who decides';
  if (by.length > MAX_DECIDER_LENGTH)
    return `by: is too long (at most ${MAX_DECIDER_LENGTH} characters)`;
  if (reason !== undefined && typeof reason !== 'string')
    return 'reason: must be a string';
  if (typeof reason === 'string' && reason.length > MAX_REASON_LENGTH)
    return `reason: is too long (at most ${MAX_REASON_LENGTH} characters)`;
  // Shown in the UI, the audit and tickets: held to the rule of all free text (patterns.ts).
  if (DECEPTIVE_CHARS.test(by)) return `by: ${DECEPTIVE_TEXT_RULE}`;
  if (typeof reason === 'string' && DECEPTIVE_CHARS.test(reason))
    return `reason: ${DECEPTIVE_TEXT_RULE}`;
  if (approvers && !approvers.includes(by))
    return `by: ${by} is not an approver of this run (approvers: ${approvers.join(', ')})`;
  if (requester !== undefined && sameName(by, requester))
    return `by: ${by} requested this run, and strategy.fourEyes needs the decision of someone else`;
  return undefined;
}

/** Names compared as people read them: "Alice " and "alice" are one person. */
const sameName = (a: string, b: string): boolean =>
  a.trim().toLowerCase() === b.trim().toLowerCase();
