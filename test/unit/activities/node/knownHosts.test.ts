import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  checkHostKey,
  hostKeyName,
  parseKnownHosts,
} from '../../../../src/activities/node/knownHosts';

/** An ed25519 public key in SSH wire format (what ssh2's hostVerifier is given, base64 in known_hosts). */
function ed25519Key(): Buffer {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({
    format: 'jwk',
  });
  const str = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return Buffer.concat([
    str(Buffer.from('ssh-ed25519')),
    str(Buffer.from(jwk.x!, 'base64url')),
  ]);
}

const line = (patterns: string, key: Buffer, marker = '') =>
  `${marker ? `${marker} ` : ''}${patterns} ssh-ed25519 ${key.toString('base64')}`;

/** OpenSSH's HashKnownHosts form: |1|base64(salt)|base64(HMAC-SHA1(salt, name)). */
function hashed(name: string, salt = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  const k1 = ed25519Key();
  const k2 = ed25519Key();
  const k3 = ed25519Key();

  it('names non-default ports [host]:port', () => {
    assert.equal(hostKeyName('10.0.0.14', 22), '10.0.0.14');
    assert.equal(hostKeyName('10.0.0.14', 2222), '[10.0.0.14]:2222');
  });

  it('parses entries, skipping comments, blanks, short lines and @cert-authority', () => {
    const entries = parseKnownHosts(
      [
        '# comment',
        '',
        '   ',
        `${line('a,b', k1)} root@a`,
        line('c', k2, '@revoked'),
        line('*.example.com', k3, '@cert-authority'),
        'short-line ssh-ed25519',
        `\t${line('d', k3)}`,
      ].join('\n'),
    );
    assert.deepEqual(
      entries.map((e) => ({
        patterns: e.patterns,
        keyType: e.keyType,
        revoked: e.revoked,
      })),
      [
        { patterns: ['a', 'b'], keyType: 'ssh-ed25519', revoked: false },
        { patterns: ['c'], keyType: 'ssh-ed25519', revoked: true },
        { patterns: ['d'], keyType: 'ssh-ed25519', revoked: false },
      ],
    );
    assert.ok(entries[0].key.equals(k1));
  });

  describe('plain entries', () => {
    const entries = parseKnownHosts(
      [
        line('etcd4.example.com,10.0.0.14', k1),
        line('[10.0.0.15]:2222', k2),
      ].join('\n'),
    );

    it('matches the listed key for each listed name', () => {
      assert.equal(checkHostKey(entries, '10.0.0.14', 22, k1), 'match');
      assert.equal(checkHostKey(entries, 'etcd4.example.com', 22, k1), 'match');
      assert.equal(checkHostKey(entries, 'ETCD4.Example.com', 22, k1), 'match');
    });

    it('says mismatch for a known host with another key, unknown for an unlisted host', () => {
      assert.equal(checkHostKey(entries, '10.0.0.14', 22, k2), 'mismatch');
      assert.equal(checkHostKey(entries, '10.0.0.16', 22, k1), 'unknown');
      assert.equal(checkHostKey(entries, 'etcd4', 22, k1), 'unknown');
    });

    it('keeps ports apart: [host]:port is not host, and the reverse', () => {
      assert.equal(checkHostKey(entries, '10.0.0.15', 2222, k2), 'match');
      assert.equal(checkHostKey(entries, '10.0.0.15', 22, k2), 'unknown');
      assert.equal(checkHostKey(entries, '10.0.0.15', 2223, k2), 'unknown');
      assert.equal(checkHostKey(entries, '10.0.0.14', 2222, k1), 'unknown');
    });

    it('does not treat dots in a pattern as wildcards', () => {
      assert.equal(checkHostKey(entries, '10x0x0x14', 22, k1), 'unknown');
    });
  });

  describe('hashed entries', () => {
    it('matches a name whose HMAC-SHA1 under the salt is the hash', () => {
      const entries = parseKnownHosts(
        [
          line(hashed('[127.0.24.14]:2222'), k1),
          line(hashed('127.0.24.15'), k2),
        ].join('\n'),
      );
      assert.equal(checkHostKey(entries, '127.0.24.14', 2222, k1), 'match');
      assert.equal(checkHostKey(entries, '127.0.24.14', 2222, k2), 'mismatch');
      assert.equal(checkHostKey(entries, '127.0.24.14', 22, k1), 'unknown');
      assert.equal(checkHostKey(entries, '127.0.24.15', 22, k2), 'match');
      assert.equal(checkHostKey(entries, '127.0.24.16', 22, k2), 'unknown');
    });

    it('reads a line hashed by ssh-keygen -H', () => {
      // `ssh-keygen -H` on "[127.0.24.14]:2222 ssh-ed25519 AAAA...".
      const real =
        '|1|0KhI/1cGf+rAFo22Rf4qf2bWYJY=|bE9P5nFHhimdhN1JXLHNyBx1RD4= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPXRCLcqoTUAAO11WAc+edPx60ERbLQtvqDFhHQAFWg2';
      const key = Buffer.from(
        'AAAAC3NzaC1lZDI1NTE5AAAAIPXRCLcqoTUAAO11WAc+edPx60ERbLQtvqDFhHQAFWg2',
        'base64',
      );
      const entries = parseKnownHosts(real);
      assert.equal(checkHostKey(entries, '127.0.24.14', 2222, key), 'match');
      assert.equal(checkHostKey(entries, '127.0.24.14', 22, key), 'unknown');
      const [, , salt, hash] = entries[0].patterns[0].split('|');
      assert.equal(
        createHmac('sha1', Buffer.from(salt, 'base64'))
          .update('[127.0.24.14]:2222')
          .digest('base64'),
        hash,
      );
    });

    it('never matches a malformed hash', () => {
      const entries = parseKnownHosts(
        [line('|1|', k1), line('|1|c2FsdA==', k1)].join('\n'),
      );
      assert.equal(checkHostKey(entries, '|1|', 22, k1), 'unknown');
      assert.equal(checkHostKey(entries, '127.0.24.14', 22, k1), 'unknown');
    });
  });

  describe('wildcards and negation', () => {
    const entries = parseKnownHosts(
      [line('10.0.1.*,!10.0.1.66', k1), line('etcd?.example.com', k2)].join(
        '\n',
      ),
    );

    it('matches * and ?', () => {
      assert.equal(checkHostKey(entries, '10.0.1.14', 22, k1), 'match');
      assert.equal(checkHostKey(entries, 'etcd4.example.com', 22, k2), 'match');
      assert.equal(
        checkHostKey(entries, 'etcd44.example.com', 22, k2),
        'unknown',
      );
      assert.equal(checkHostKey(entries, '10.0.2.14', 22, k1), 'unknown');
    });

    it('lets a negated pattern exclude a host from its line', () => {
      assert.equal(checkHostKey(entries, '10.0.1.66', 22, k1), 'unknown');
    });
  });

  describe('@revoked', () => {
    it('refuses a revoked key even when another line lists it', () => {
      const entries = parseKnownHosts(
        [line('10.0.0.14', k1), line('*', k1, '@revoked')].join('\n'),
      );
      assert.equal(checkHostKey(entries, '10.0.0.14', 22, k1), 'revoked');
      assert.equal(checkHostKey(entries, '10.0.0.99', 22, k1), 'revoked');
    });

    it('does not make a host known by revoking some other key', () => {
      const entries = parseKnownHosts(
        [line('10.0.0.14', k2, '@revoked'), line('10.0.0.15', k3)].join('\n'),
      );
      assert.equal(checkHostKey(entries, '10.0.0.14', 22, k1), 'unknown');
      assert.equal(checkHostKey(entries, '10.0.0.15', 22, k1), 'mismatch');
      assert.equal(checkHostKey(entries, '10.0.0.15', 22, k3), 'match');
    });
  });
});
