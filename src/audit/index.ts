/** The audit report of a run, from its history: built as data, rendered as Markdown apart. */
export { auditReportFromEvents, buildAuditReport } from './report';
export { renderAuditMarkdown } from './markdown';
export type * from './types';
export type { HistoryEvent } from './decoder';
