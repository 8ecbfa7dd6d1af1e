/**
 * A refused input's errors, each naming its field (`newMembers[0].peerURL`): the form every schema
 * here (request, profile, scale-in, replacement) reports in, and the one line they are joined into.
 */
import type { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path)
    out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(request)';
}

/** zod's issues as field errors: each names its field, an unknown field or a missing one says so. */
export function zodFieldErrors(
  issues: readonly z.core.$ZodIssue[],
): FieldError[] {
  return issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      return {
        field: fieldName(issue.path),
        message: `unknown field(s): ${issue.keys.join(', ')}`,
      };
    }
    if (issue.code === 'invalid_type' && message.startsWith('Invalid input'))
      message = `is required (${issue.expected})`;
    return { field: fieldName(issue.path), message };
  });
}

export function formatErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}
