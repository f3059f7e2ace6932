import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rubyLiteral, rubyString } from '../../../src/backends/vagrant/ruby-literal.js';

const HOSTILE = [
  '',
  'plain',
  '"; system("touch /tmp/pwned"); "',
  "'; system('id'); '",
  '#{`id`}',
  '#@ivar #$global #{1+1}',
  'back\\slash\\',
  '\\"',
  'line\nbreak\r\n',
  '__END__\n=begin\n',
  '%q(x) %w[y] <<~EOS\nhere\nEOS',
  'tab\there \u0007bell \u001b[31mred',
  'unicode: é ü 中文 🚀',
  '\u2028\u2029',
  '# comment',
  '`backticks`',
];

const ruby = ['/usr/bin/ruby', '/usr/local/bin/ruby'].find((path) => existsSync(path));

describe('rubyString', () => {
  it('writes one line of printable ASCII, whatever the input', () => {
    for (const value of HOSTILE) {
      const literal = rubyString(value);
      expect(literal).toMatch(/^"[\x20-\x7e]*"$/);
      // No unescaped quote or interpolation start inside.
      expect(literal.slice(1, -1)).not.toMatch(/(^|[^\\])(\\\\)*"/);
      expect(literal.slice(1, -1)).not.toMatch(/(^|[^\\])(\\\\)*#/);
    }
  });

  it('escapes the characters that matter', () => {
    expect(rubyString('a"b')).toBe('"a\\"b"');
    expect(rubyString('#{x}')).toBe('"\\#{x}"');
    expect(rubyString('a\\b')).toBe('"a\\\\b"');
    expect(rubyString('a\nb')).toBe('"a\\u{a}b"');
    expect(rubyString('🚀')).toBe('"\\u{1f680}"');
  });

  it('refuses NUL bytes and lone surrogates', () => {
    expect(() => rubyString('a\0b')).toThrow(/NUL/);
    expect(() => rubyString('\ud800')).toThrow(/surrogate/);
  });

  it.skipIf(!ruby)('round-trips through Ruby itself: the literal evaluates to exactly the input (ruby not installed: skipped)', () => {
    const program = HOSTILE.map((value) => `print ${rubyString(value)}.unpack("U*").join(","), "\\n"`).join('\n');
    const output = execFileSync(ruby!, ['-e', program], { encoding: 'utf8', env: { LANG: 'C.UTF-8' } });
    const expected = HOSTILE.map((value) => [...value].map((c) => c.codePointAt(0)).join(',')).join('\n') + '\n';
    expect(output).toBe(expected);
  });
});

describe('rubyLiteral', () => {
  it('writes numbers, booleans and arrays', () => {
    expect(rubyLiteral(2)).toBe('2');
    expect(rubyLiteral(1.5)).toBe('1.5');
    expect(rubyLiteral(true)).toBe('true');
    expect(rubyLiteral(['--label', 'a="b"', 3])).toBe('["--label", "a=\\"b\\"", 3]');
    expect(() => rubyLiteral(Number.NaN)).toThrow();
    expect(() => rubyLiteral(Number.POSITIVE_INFINITY)).toThrow();
  });
});
