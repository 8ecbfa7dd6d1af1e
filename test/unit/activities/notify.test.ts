import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { SIGNATURE_HEADER, sign } from '../../../src/activities/notify';

describe('webhook signature', () => {
  it('matches the HMAC-SHA256 test vectors of RFC 4231', () => {
    // Test case 1 and 2 of RFC 4231 section 4.
    assert.equal(
      sign(Buffer.alloc(20, 0x0b), 'Hi There'),
      'sha256=b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    assert.equal(
      sign('Jefe', 'what do ya want for nothing?'),
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('matches the openssl command line over a JSON body with non-ASCII text', () => {
    const secret = 's3cr3t-with-ünïcode';
    const body = JSON.stringify({
      workflowId: 'scaleout-lab-24',
      status: 'completed',
      members: ['etcd4', 'etcd5'],
      note: 'grüße ✓',
    });
    const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret], {
      input: body,
      encoding: 'utf8',
    });
    const hex = /=\s*([0-9a-f]{64})\s*$/.exec(out)?.[1];
    assert.ok(hex, out);
    assert.equal(sign(secret, body), `sha256=${hex}`);
  });

  it('depends on every byte of the body and of the secret', () => {
    const body = '{"status":"completed"}';
    assert.notEqual(sign('secret', body), sign('secret', `${body} `));
    assert.notEqual(sign('secret', body), sign('secret2', body));
    assert.equal(sign(Buffer.from('secret'), body), sign('secret', body));
    assert.match(sign('secret', body), /^sha256=[0-9a-f]{64}$/);
  });

  it('uses a lowercase header name', () => {
    assert.equal(SIGNATURE_HEADER, SIGNATURE_HEADER.toLowerCase());
  });
});
