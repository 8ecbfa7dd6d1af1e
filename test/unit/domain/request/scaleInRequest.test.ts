/** The scale-in request: removeMembers by name, the cluster's sections as a scale-out's, every error naming its field. */
import assert from 'node:assert/strict';
import { validateScaleInRequest } from '../../../../src/domain/request/scaleInRequest';
import { sampleRequest } from '../../../support/badRequests';

function scaleIn(edit: (r: Record<string, any>) => void = () => {}) {
  const { newMembers: _, ...r } = sampleRequest() as Record<string, any>;
  r.removeMembers = ['etcd4', 'etcd5'];
  edit(r);
  return validateScaleInRequest(r);
}

describe('scale-in request', () => {
  it('accepts a whole request with removeMembers, defaults applied', () => {
    const v = scaleIn();
    assert.ok(v.ok, v.ok ? '' : JSON.stringify(v.errors));
    assert.deepEqual(v.request.removeMembers, ['etcd4', 'etcd5']);
    assert.equal(v.request.strategy.allowNoFaultTolerance, false);
  });

  it('names each bad field', () => {
    const errors = (edit: (r: Record<string, any>) => void) => {
      const v = scaleIn(edit);
      assert.ok(!v.ok);
      return v.errors.map((e) => `${e.field}: ${e.message}`);
    };
    assert.match(
      errors((r) => {
        r.removeMembers = [];
      })[0],
      /^removeMembers: must name at least one member/,
    );
    assert.match(
      errors((r) => {
        r.removeMembers = ['etcd1\nLD_PRELOAD=x'];
      })[0],
      /^removeMembers\[0\]: must be/,
    );
    assert.match(
      errors((r) => {
        r.newMembers = [];
      })[0],
      /unknown field\(s\): newMembers/,
    );
    assert.match(
      errors((r) => {
        r.strategy = { allowNoFaultTolerance: 'yes' };
      })[0],
      /^strategy\.allowNoFaultTolerance: must be true or false/,
    );
    assert.deepEqual(validateScaleInRequest([]), {
      ok: false,
      errors: [{ field: '(request)', message: 'must be a JSON object' }],
    });
  });
});
