import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { quote, sh } from '../../../../src/activities/node/shell';

/** What /bin/sh makes of a command line: its stdout, byte for byte. */
const run = (command: string): string =>
  execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' });

const NASTY = [
  '',
  'plain',
  "it's",
  "''",
  "'",
  '"double"',
  '$(reboot)',
  '`id`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${...} a shell would expand
  '$HOME ${PATH}',
  'a;b && c || d | e & f',
  'line1\nline2\n',
  '\n',
  '  leading and trailing spaces  ',
  'tab\there',
  'back\\slash\\',
  '*',
  '~root',
  '-n',
  '--',
  '%s %d %%',
  '#not a comment',
  '<in >out 2>&1',
  '!event',
  'héllo ✓ 日本語 🚀',
  "x'; rm -rf / #",
];

describe('shell quoting', () => {
  for (const s of NASTY) {
    it(`round-trips ${JSON.stringify(s)} through /bin/sh`, () => {
      assert.equal(run(`printf %s ${quote(s)}`), s);
    });
  }

  it('keeps a quoted value one word', () => {
    assert.equal(
      run(`printf '<%s>' ${quote('a b  c')} ${quote('')}`),
      '<a b  c><>',
    );
  });

  it('quotes numbers too', () => {
    assert.equal(quote(2379), "'2379'");
    assert.equal(run(`printf %s ${quote(2379)}`), '2379');
  });

  it('refuses NUL, which no shell argument can hold', () => {
    assert.throws(() => quote('a\0b'), /must not contain NUL/);
    assert.throws(() => sh`echo ${'\0'}`, /must not contain NUL/);
  });

  describe('sh tagged template', () => {
    it('quotes each value and leaves the template text alone', () => {
      assert.equal(
        sh`mv -f -- ${'/tmp/a b'} ${"/tmp/it's"}`,
        `mv -f -- '/tmp/a b' '/tmp/it'\\''s'`,
      );
      assert.equal(sh`echo ok`, 'echo ok');
      assert.equal(sh`${'x'}`, `'x'`);
    });

    it('turns arrays into quoted word lists', () => {
      assert.equal(sh`rm -f -- ${['a', 'b c', 5]}`, `rm -f -- 'a' 'b c' '5'`);
      assert.equal(sh`ls ${[]}`, 'ls ');
    });

    it('runs as intended in a real shell, with nothing injected', () => {
      const words = [
        'a b',
        "c'd",
        '$(echo injected)',
        '`echo injected`',
        ';echo injected',
      ];
      assert.equal(
        run(sh`printf '[%s]' ${words}; printf ' %s' ${'end'}`),
        `${words.map((w) => `[${w}]`).join('')} end`,
      );
    });
  });
});
