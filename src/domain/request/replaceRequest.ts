/**
 * The replacement request: a scale-out request of exactly one new member, plus `replaceMember`, the
 * etcd name of the member it replaces (resolved to its ID and peer URL by etcd in preflight, never by a
 * prefix). Everything else (cluster, SSH, node paths, certificates, control plane, ticket) is the
 * scale-out's, resolved over the cluster's profile the same way, so a ticket's request names the
 * cluster, the member to replace, the new member and the ticket. Pure; every entry point refuses the
 * same inputs with the same messages.
 */
import { z } from 'zod';
import { NAME, NAME_RULE } from './patterns';
import {
  CURRENT_RULES,
  type FieldError,
  type RequestRules,
  type ScaleOutRequest,
  validateRequest,
  zodFieldErrors,
} from './request';
import {
  type SubmittedValidation,
  validateSubmittedRequest,
} from './submittedRequest';

export const ReplaceMemberSchema = z
  .string('must be the etcd name of the member to replace')
  .regex(NAME, `must be ${NAME_RULE}`);

/** A request is a replacement when it names the member to replace (the CLI and the API dispatch on it). */
export const isReplaceRequest = (raw: unknown): boolean =>
  !!raw && typeof raw === 'object' && 'replaceMember' in raw;

export type ReplaceRequest = ScaleOutRequest & { replaceMember: string };

type Json = Record<string, unknown>;

/** The request without `replaceMember` (validated as a scale-out) and the errors of `replaceMember` and of the one new member. */
function split(raw: Json): { rest: Json; errors: FieldError[] } {
  const { replaceMember, ...rest } = raw;
  const errors: FieldError[] = [];
  const name = ReplaceMemberSchema.safeParse(replaceMember);
  if (!name.success)
    errors.push(
      ...zodFieldErrors(name.error.issues).map((e) => ({
        ...e,
        field: 'replaceMember',
      })),
    );
  if (Array.isArray(rest.newMembers) && rest.newMembers.length > 1)
    errors.push({
      field: 'newMembers',
      message: `must list exactly one member, the replacement (${rest.newMembers.length} given): replace one member at a time`,
    });
  return { rest, errors };
}

/** The rules with the member replaced named: its rebuilt machine may keep its endpoint (requestChecks.ts). */
const withReplacing = (rules: RequestRules, raw: Json): RequestRules =>
  typeof raw.replaceMember === 'string'
    ? { ...rules, replacing: raw.replaceMember }
    : rules;

const notObject = (): { ok: false; errors: FieldError[] } => ({
  ok: false,
  errors: [{ field: '(request)', message: 'must be a JSON object' }],
});
const isJson = (raw: unknown): raw is Json =>
  raw !== null && typeof raw === 'object' && !Array.isArray(raw);

/** Validates a whole replacement request (after profile resolution); never throws. */
export function validateReplaceRequest(
  raw: unknown,
  rules: RequestRules = CURRENT_RULES,
): { ok: true; request: ReplaceRequest } | { ok: false; errors: FieldError[] } {
  if (!isJson(raw)) return notObject();
  const { rest, errors } = split(raw);
  const v = validateRequest(rest, withReplacing(rules, raw));
  const all = [...errors, ...(v.ok ? [] : v.errors)];
  if (all.length || !v.ok) return { ok: false, errors: all };
  return {
    ok: true,
    request: { ...v.request, replaceMember: raw.replaceMember as string },
  };
}

/** What an entry point checks of a replacement before it starts a run (the scale-out's rules for the rest). */
export function validateSubmittedReplace(
  raw: unknown,
  rules: RequestRules = CURRENT_RULES,
): SubmittedValidation & { replaceMember?: string } {
  if (!isJson(raw)) return notObject();
  const { rest, errors } = split(raw);
  const v = validateSubmittedRequest(rest, withReplacing(rules, raw));
  const all = [...errors, ...(v.ok ? [] : v.errors)];
  if (all.length || !v.ok) return { ok: false, errors: all };
  return { ...v, replaceMember: raw.replaceMember as string };
}
