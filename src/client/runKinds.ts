/**
 * The kinds of run an entry point starts, each its own workflow type: what tells them apart in a
 * request (isScaleInRequest, isReplaceRequest, else a scale-out), and what each gives the one start
 * path (./start.ts): its workflow type, its run id prefix (one run per ticket and kind), its check of
 * a submitted request with field-named errors, its summary and details for the UI, and the request as
 * its run will see it (so a repeated request with equal meaning compares equal).
 */
import {
  REPLACE_WORKFLOW_TYPE,
  SCALE_IN_WORKFLOW_TYPE,
  WORKFLOW_TYPE,
} from '../config';
import {
  isReplaceRequest,
  validateSubmittedReplace,
} from '../domain/request/replaceRequest';
import type { FieldError } from '../domain/request/request';
import { isScaleInRequest } from '../domain/request/scaleInRequest';
import {
  type RequestLabels,
  type SubmittedRequest,
  validateSubmittedRequest,
} from '../domain/request/submittedRequest';
import { validateSubmittedScaleIn } from '../domain/request/submittedScaleIn';
import {
  replaceDetailsMarkdown,
  replaceSummaryLine,
  runDetailsMarkdown,
  runSummaryLine,
  scaleInDetailsMarkdown,
  scaleInSummaryLine,
} from './runText';

export const RUN_KINDS = ['scaleout', 'scalein', 'replace'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** What the start path needs of a request that passed its kind's check. */
export interface CheckedRequest {
  cluster: { name: string; endpoints?: string[] };
  ticket?: RequestLabels['ticket'];
  /** One line: the UI's summary and the list's memo. */
  summary: string;
  /** Markdown for the UI's run page. */
  details: string;
}

export type RequestCheck =
  | { ok: true; request: CheckedRequest; normalised: unknown }
  | { ok: false; errors: FieldError[] };

export interface RunKindSpec {
  kind: RunKind;
  workflowType: string;
  /** The run in words: "scale-out", "scale-in", "replacement". */
  noun: string;
  /** The submitted request's check (no I/O; the worker validates it whole over the profile). */
  check(raw: unknown): RequestCheck;
}

/** A request over a profile shows no strategy of its own: the profile may fix it. */
const shown = (v: SubmittedRequest): RequestLabels =>
  v.kind === 'inline' ? v.request : { ...v.request, strategy: undefined };

const SCALE_OUT: RunKindSpec = {
  kind: 'scaleout',
  workflowType: WORKFLOW_TYPE,
  noun: 'scale-out',
  check(raw) {
    const v = validateSubmittedRequest(raw);
    if (!v.ok) return v;
    const labels: RequestLabels = shown(v);
    return {
      ok: true,
      request: {
        cluster: labels.cluster,
        ticket: labels.ticket,
        summary: runSummaryLine(labels),
        details: runDetailsMarkdown(labels),
      },
      normalised: v.request,
    };
  },
};

const SCALE_IN: RunKindSpec = {
  kind: 'scalein',
  workflowType: SCALE_IN_WORKFLOW_TYPE,
  noun: 'scale-in',
  check(raw) {
    const v = validateSubmittedScaleIn(raw);
    if (!v.ok) return v;
    const r = v.request;
    return {
      ok: true,
      request: {
        cluster: r.cluster,
        ticket: r.ticket,
        summary: scaleInSummaryLine(r),
        details: scaleInDetailsMarkdown(r),
      },
      normalised: r,
    };
  },
};

const REPLACE: RunKindSpec = {
  kind: 'replace',
  workflowType: REPLACE_WORKFLOW_TYPE,
  noun: 'replacement',
  check(raw) {
    const v = validateSubmittedReplace(raw);
    if (!v.ok) return v;
    const replaceMember = v.replaceMember as string;
    const labels = { ...shown(v), replaceMember };
    return {
      ok: true,
      request: {
        cluster: labels.cluster,
        ticket: labels.ticket,
        summary: replaceSummaryLine(labels),
        details: replaceDetailsMarkdown(labels),
      },
      normalised: { ...v.request, replaceMember },
    };
  },
};

export const RUN_KIND: Record<RunKind, RunKindSpec> = {
  scaleout: SCALE_OUT,
  scalein: SCALE_IN,
  replace: REPLACE,
};

/** The kind a request asks for: removeMembers is a scale-in, replaceMember a replacement, else a scale-out. */
export function runKindOf(raw: unknown): RunKind {
  if (isScaleInRequest(raw)) return 'scalein';
  if (isReplaceRequest(raw)) return 'replace';
  return 'scaleout';
}

/** The kind whose workflow type this is (undefined for any other type). */
export const runKindOfType = (workflowType: string): RunKind | undefined =>
  RUN_KINDS.find((k) => RUN_KIND[k].workflowType === workflowType);
