/** audit WORKFLOW_ID [--run-id RUN] [--json|--markdown]: the audit report, from the run's history. */
import {
  type AuditReport,
  buildAuditReport,
  renderAuditMarkdown,
} from '../../audit';
import type { CliCommand } from '../command';
import { EXIT, translate, usageError } from '../errors';
import { withClient } from '../session';

export const auditCommand: CliCommand = {
  name: 'audit',
  args: ['<WORKFLOW_ID>'],
  summary: "audit report from the run's history (markdown by default)",
  options: [
    ['--run-id <RUN>', 'a run other than the latest of this workflow ID'],
    ['--json', 'the report as JSON'],
    ['--markdown', 'the report as Markdown (the default)'],
  ],
  async run([workflowId], options, io) {
    if (options.json && options.markdown)
      throw usageError('audit', 'give --json or --markdown, not both');
    return withClient(async (client) => {
      let report: AuditReport;
      try {
        report = await buildAuditReport(
          client,
          workflowId,
          options.runId as string | undefined,
        );
      } catch (err) {
        translate(err, workflowId);
      }
      io.out(
        options.json
          ? JSON.stringify(report, null, 2)
          : renderAuditMarkdown(report),
      );
      return EXIT.ok;
    });
  },
};
