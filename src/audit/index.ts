/** The audit report of a run, from its history: built as data, rendered as Markdown apart. */

export type { HistoryEvent } from './decoder';
export { renderAuditMarkdown } from './markdown';
export { auditReportFromEvents, buildAuditReport } from './report';
export type * from './types';
