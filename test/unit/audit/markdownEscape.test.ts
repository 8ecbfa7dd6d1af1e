/** Hostile text in the audit report's Markdown: quoted, never markup. */
import assert from 'node:assert/strict';
import { type AuditReport, renderAuditMarkdown } from '../../../src/audit';
import { runDetailsMarkdown } from '../../../src/client/runText';
import {
  cell,
  codeBlock,
  codeSpan,
  inline,
} from '../../../src/domain/markdownText';
import type { ScaleOutRequest } from '../../../src/domain/request/request';

const HOSTILE = [
  '\n# Injected heading',
  '[click](https://evil.example/x)',
  '![img](https://evil.example/p.png)',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  'a | b | c',
  '*bold* _em_ ~~gone~~ `code`',
  '- list item',
  '1. numbered',
  '> quoted',
  '===',
  'line\r\nbreak\u2028sep',
];

/** The report of a run whose reasons, failures and node output are all hostile. */
function hostileReport(text: string): AuditReport {
  return {
    format: 'etcd-scaleout-audit/1',
    generatedAt: '2026-01-01T00:00:10.000Z',
    workflowId: 'scaleout-prod_CHG-1',
    runId: 'r',
    workflowType: 'scaleOutEtcd',
    status: 'FAILED',
    startedAt: '2026-01-01T00:00:00.000Z',
    historyLength: 1,
    cluster: 'prod',
    ticket: { id: 'CHG-1', requestedBy: text },
    searchAttributes: {},
    input: {},
    phases: [{ phase: 'failed', at: '2026-01-01T00:00:08.000Z' }],
    activities: [
      {
        activityId: '1',
        name: 'startService',
        summary: 'canary etcd4',
        scheduledAt: 't',
        attempts: 2,
        outcome: 'failed',
        failure: { message: text, type: 'ServiceStartFailed' },
      },
      {
        activityId: '2',
        name: 'addLearner',
        summary: 'canary etcd4',
        scheduledAt: 't',
        attempts: 2,
        outcome: 'completed',
        lastRetryFailure: text,
      },
    ],
    approvals: [
      {
        via: 'update',
        decision: 'reject',
        by: text,
        reason: text,
        at: 't',
        status: 'accepted',
      },
    ],
    cancelRequests: [{ at: 't', identity: text, cause: text }],
    compensations: [],
    rollback: { failedStep: text, undone: [text], notUndone: [text] },
    outcome: {
      status: 'FAILED',
      at: 't',
      failure: { message: text, type: 'ScaleOutFailed', causes: [text] },
    },
  } as unknown as AuditReport;
}

/** Lines outside code fences: the only place Markdown is interpreted. */
function markupLines(md: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of md.split('\n')) {
    if (fence) {
      if (line === fence) fence = undefined;
    } else if (/^(`{3,}|~{4,})$/.test(line)) fence = line;
    else out.push(line);
  }
  assert.equal(fence, undefined, 'every fence is closed');
  return out;
}

describe('audit Markdown quoting', () => {
  it('quotes inline text: no links, images, HTML, emphasis, code or table breaks', () => {
    for (const text of HOSTILE) {
      const q = inline(text);
      assert.doesNotMatch(q, /[\r\n\u2028]/, text);
      // A bare URL is quoted as code (below): the only backticks left unescaped.
      const outsideUrls = q.replace(/`(?:https?:\/\/|www\.)[^`]*`/g, '');
      assert.doesNotMatch(outsideUrls, /(^|[^\\])[[\]`*~|]/, `${text} -> ${q}`);
      assert.doesNotMatch(q, /[<>]/, `${text} -> ${q}`);
      assert.doesNotMatch(q, /^\s*([-+=>#]|\d+[.)])/, `${text} -> ${q}`);
    }
    assert.equal(
      inline('a_b'),
      'a_b',
      'an underscore inside a word is left alone',
    );
    assert.equal(inline('_em_'), '\\_em\\_');
    assert.equal(inline('1. x'), '1\\. x');
    assert.equal(cell(''), '');
  });

  it('quotes bare URLs as code, so no renderer makes them links (issue 17)', () => {
    assert.equal(
      inline('see https://evil.example/login now'),
      'see `https://evil.example/login` now',
    );
    assert.equal(
      inline('www.evil.example/x and ftp://files.example'),
      '`www.evil.example/x` and `ftp://files.example`',
    );
    // A pipe ends the URL (it would end a table cell even inside code); HTML around it stays escaped.
    assert.equal(
      cell('<https://evil.example/a|b>'),
      '&lt;`https://evil.example/a`\\|b&gt;',
    );
    assert.equal(
      inline('[click](https://evil.example/x)'),
      '\\[click\\](`https://evil.example/x)`',
    );
    assert.equal(
      inline('no link: example.com, a@b'),
      'no link: example.com, a@b',
    );
    const md = renderAuditMarkdown(
      hostileReport('approved, details at https://evil.example/phish'),
    );
    const bare = markupLines(md)
      .map((l) => l.replace(/`[^`]*`/g, ''))
      .filter((l) => /https?:\/\/|www\./.test(l));
    assert.deepEqual(bare, [], 'no bare URL outside code in the report');
  });

  it('keeps a code block closed whatever fences the text holds', () => {
    for (const text of ['```\n# x', '~~~~\n```', '``````\n~~~~~~~~\n# out']) {
      const block = codeBlock(text);
      const fence = block.split('\n')[0];
      assert.ok(
        !text.split('\n').some((l) => l.trim().startsWith(fence)),
        `${JSON.stringify(text)} fenced by ${fence}`,
      );
    }
    assert.equal(codeSpan('a`b'), '`` a`b ``');
  });

  it('adds no heading, link, image, HTML or table row to the report, whatever the run quotes', () => {
    const clean = markupLines(renderAuditMarkdown(hostileReport('ok')));
    const headings = clean.filter((l) => l.startsWith('#'));
    for (const text of HOSTILE) {
      const lines = markupLines(renderAuditMarkdown(hostileReport(text)));
      assert.deepEqual(
        lines.filter((l) => l.startsWith('#')),
        headings,
        `${JSON.stringify(text)} adds no heading`,
      );
      const joined = lines.join('\n');
      assert.doesNotMatch(joined, /<(img|script)/i, text);
      assert.doesNotMatch(joined, /(^|[^\\])\[(click|img)/, text);
      // Each table row keeps its column count.
      for (const l of lines.filter((x) => x.startsWith('| '))) {
        const cols = l.replace(/\\\|/g, '').split('|').length;
        const header = clean.find(
          (c) => c.startsWith('| ') && c.split('|').length === cols,
        );
        assert.ok(
          header,
          `${JSON.stringify(text)}: row with ${cols - 2} columns: ${l}`,
        );
      }
    }
  });

  it('quotes what a person wrote in the run details the Temporal UI shows', () => {
    const request = {
      cluster: { name: 'prod', endpoints: ['http://127.0.0.1:2379'] },
      newMembers: [],
      strategy: {
        canary: 1,
        rollback: 'all',
        staleDataDir: 'quarantine',
        approval: 'after-canary',
        approvers: ['[x](https://evil.example)'],
      },
      ticket: { id: 'OPS#1', requestedBy: '<img src=x onerror=alert(1)>' },
    } as unknown as ScaleOutRequest;
    const md = runDetailsMarkdown(request);
    assert.doesNotMatch(md, /<img|(^|[^\\])\[x\]/m);
  });
});
