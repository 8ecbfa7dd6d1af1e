/** Whose run it is (issue 17): the requester from the token, a ticket's owner, who may cancel (no Temporal: descriptions built here). */
import assert from 'node:assert/strict';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { HttpError } from '../../../src/api/errors';
import {
  mayCancel,
  mustBeOwnTicket,
  requestedByCaller,
} from '../../../src/api/runOwner';
import type { Identity } from '../../../src/api/tokens';
import { RequestedBy } from '../../../src/workflows/run/searchAttributes';

const alice: Identity = { name: 'alice', roles: ['requester'] };
const rita: Identity = { name: 'rita', roles: ['requester'] };
const bob: Identity = { name: 'bob', roles: ['approver'] };

/** A run's description as the API reads it: its ID and its RequestedBy search attribute. */
const runOf = (requestedBy: string) =>
  ({
    workflowId: 'scaleout-prod_OPS-1',
    typedSearchAttributes: new TypedSearchAttributes([
      { key: RequestedBy, value: requestedBy },
    ]),
  }) as unknown as WorkflowExecutionDescription;

const refusal = (fn: () => unknown): HttpError => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HttpError, String(err));
    return err;
  }
  return assert.fail('was allowed');
};

describe('whose run it is', () => {
  it("sets ticket.requestedBy to the token's identity, and refuses a body naming another (403, the field named)", () => {
    const body = { cluster: { name: 'prod' }, ticket: { id: 'OPS-1' } };
    assert.deepEqual(requestedByCaller(body, alice), {
      ...body,
      ticket: { id: 'OPS-1', requestedBy: 'alice' },
    });
    assert.deepEqual(
      requestedByCaller(
        { ...body, ticket: { id: 'OPS-1', requestedBy: 'alice' } },
        alice,
      ),
      { ...body, ticket: { id: 'OPS-1', requestedBy: 'alice' } },
    );
    const e = refusal(() =>
      requestedByCaller(
        { ...body, ticket: { id: 'OPS-1', requestedBy: 'bob' } },
        alice,
      ),
    );
    assert.equal(e.statusCode, 403);
    assert.deepEqual(
      (e.extra.fields as { field: string }[]).map((f) => f.field),
      ['ticket.requestedBy'],
    );
    // No ticket object: left for validation to refuse with its own message.
    assert.deepEqual(requestedByCaller({ cluster: {} }, alice), {
      cluster: {},
    });
    assert.equal(requestedByCaller('x', alice), 'x');
  });

  it("a ticket's run is its requester's: anyone else gets 409 with the workflow id only", () => {
    mustBeOwnTicket(runOf('alice'), alice);
    for (const run of [runOf('alice'), runOf('')]) {
      const e = refusal(() => mustBeOwnTicket(run, rita));
      assert.equal(e.statusCode, 409);
      assert.deepEqual(Object.keys(e.extra), ['workflowId']);
      assert.doesNotMatch(e.message, /alice/);
    }
  });

  it('a run is cancelled by its requester or an approver, nobody else', () => {
    mayCancel(runOf('alice'), alice);
    mayCancel(runOf('alice'), bob);
    const e = refusal(() => mayCancel(runOf('alice'), rita));
    assert.equal(e.statusCode, 403);
    assert.match(e.message, /rita may not cancel scaleout-prod_OPS-1/);
  });
});
