/** The one start path's kinds: which kind a request asks for, each kind's check, summary and normal form. */
import assert from 'node:assert/strict';
import {
  cancelReasonProblem,
  RUN_KIND,
  requestDifferences,
  runKindOf,
  runKindOfType,
} from '../../../src/client';

const ticket = { id: 'OPS-7', requestedBy: 'alice' };
const newMember = {
  name: 'etcd4',
  host: '127.0.10.14',
  peerURL: 'http://127.0.10.14:2380',
  clientURL: 'http://127.0.10.14:2379',
};
const scaleIn = (extra: Record<string, unknown> = {}) => ({
  cluster: { name: 'lab-10' },
  removeMembers: ['etcd4', 'etcd5'],
  ticket,
  ...extra,
});
const replace = (extra: Record<string, unknown> = {}) => ({
  cluster: { name: 'lab-10' },
  replaceMember: 'etcd2',
  newMembers: [newMember],
  ticket,
  ...extra,
});

function fieldsOf(kind: keyof typeof RUN_KIND, raw: unknown): string[] {
  const v = RUN_KIND[kind].check(raw);
  assert.equal(v.ok, false, 'was accepted');
  return v.ok ? [] : v.errors.map((e) => e.field);
}

describe('run kinds: one start path for every workflow type', () => {
  it('dispatches on the request: removeMembers is a scale-in, replaceMember a replacement, else a scale-out', () => {
    assert.equal(runKindOf(scaleIn()), 'scalein');
    assert.equal(runKindOf(replace()), 'replace');
    assert.equal(
      runKindOf({ cluster: { name: 'x' }, newMembers: [newMember] }),
      'scaleout',
    );
    assert.equal(runKindOf(null), 'scaleout');
    assert.equal(runKindOf(['removeMembers']), 'scaleout');
    assert.deepEqual(
      Object.values(RUN_KIND).map((k) => [k.workflowType, k.kind]),
      [
        ['scaleOutEtcd', 'scaleout'],
        ['scaleInEtcd', 'scalein'],
        ['replaceEtcdMember', 'replace'],
      ],
    );
    assert.equal(runKindOfType('replaceEtcdMember'), 'replace');
    assert.equal(runKindOfType('someOtherWorkflow'), undefined);
  });

  it("checks a ticket's scale-in and summarises it for the UI", () => {
    const v = RUN_KIND.scalein.check(scaleIn());
    assert.ok(v.ok);
    if (!v.ok) return;
    assert.equal(
      v.request.summary,
      'lab-10: remove etcd4, etcd5, ticket OPS-7',
    );
    assert.match(
      v.request.details,
      /\*\*Members to remove\*\*, one at a time: etcd4, etcd5/,
    );
    assert.deepEqual(v.request.ticket, ticket);
  });

  it('refuses a scale-in naming each bad field, whether it names only its cluster or carries its settings', () => {
    assert.deepEqual(fieldsOf('scalein', scaleIn({ removeMembers: [] })), [
      'removeMembers',
    ]);
    assert.deepEqual(
      fieldsOf('scalein', scaleIn({ removeMembers: ['Etcd 4'] })),
      ['removeMembers[0]'],
    );
    assert.deepEqual(fieldsOf('scalein', scaleIn({ ticket: { id: 'a b' } })), [
      'ticket.id',
    ]);
    // A scale-out's field in a scale-in is an unknown field, not a silent scale-out.
    const unknown = RUN_KIND.scalein.check(
      scaleIn({ newMembers: [newMember] }),
    );
    assert.ok(
      !unknown.ok &&
        /unknown field\(s\): newMembers/.test(unknown.errors[0].message),
    );
    // With its own endpoints it is validated whole: ssh is then required.
    assert.deepEqual(
      fieldsOf(
        'scalein',
        scaleIn({
          cluster: { name: 'lab-10', endpoints: ['http://127.0.10.11:2379'] },
        }),
      ),
      ['ssh'],
    );
  });

  it("checks a ticket's replacement, summarises it, and keeps replaceMember in the request it compares", () => {
    const v = RUN_KIND.replace.check(replace());
    assert.ok(v.ok);
    if (!v.ok) return;
    assert.equal(
      v.request.summary,
      'lab-10: replace etcd2 by etcd4 (127.0.10.14), ticket OPS-7',
    );
    assert.match(v.request.details, /^\*\*Replaces\*\* etcd2/);
    assert.match(v.request.details, /\*\*New member\*\*/);
    const other = RUN_KIND.replace.check(replace({ replaceMember: 'etcd3' }));
    assert.ok(other.ok);
    if (!other.ok) return;
    assert.deepEqual(requestDifferences(v.normalised, other.normalised), [
      'replaceMember',
    ]);
  });

  it('refuses a replacement naming each bad field', () => {
    assert.deepEqual(
      fieldsOf('replace', replace({ replaceMember: 'Etcd 2' })),
      ['replaceMember'],
    );
    assert.deepEqual(
      fieldsOf('replace', replace({ replaceMember: undefined })),
      ['replaceMember'],
    );
    assert.deepEqual(
      fieldsOf(
        'replace',
        replace({
          newMembers: [newMember, { ...newMember, name: 'etcd5' }],
        }),
      ),
      ['newMembers'],
    );
    assert.deepEqual(fieldsOf('replace', 'etcd2'), ['(request)']);
  });

  it('holds a cancellation reason to the rules of free text', () => {
    assert.equal(cancelReasonProblem('the change window closed'), undefined);
    assert.equal(cancelReasonProblem('  '), 'must say why (or be left out)');
    assert.equal(cancelReasonProblem(7), 'must be a string');
    assert.match(cancelReasonProblem('x'.repeat(2001)) ?? '', /too long/);
    assert.ok(cancelReasonProblem('a\u202eb'));
  });
});
